using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace MyBlog.ServiceDefaults;

/// <summary>
/// AWS SDK clients configured from the "Aws" section. On AWS only the region matters; locally the AppHost sets
/// <c>Aws:DynamoDbServiceUrl</c>, <c>Aws:S3ServiceUrl</c> and <c>Aws:SqsServiceUrl</c> to the emulators. Everything else keeps SDK defaults.
/// </summary>
public static class AwsClientExtensions
{
    public static TBuilder AddDynamoDbClient<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var section = builder.Configuration.GetSection("Aws");
        builder.Services.AddSingleton<IAmazonDynamoDB>(_ =>
            new AmazonDynamoDBClient(Configure(new AmazonDynamoDBConfig(), section, section["DynamoDbServiceUrl"])));
        return builder;
    }

    /// <param name="transferAcceleration">Use the buckets' S3 Transfer Acceleration endpoint (AWS only; ignored against the emulator).</param>
    public static TBuilder AddS3Client<TBuilder>(this TBuilder builder, bool transferAcceleration = false) where TBuilder : IHostApplicationBuilder
    {
        var section = builder.Configuration.GetSection("Aws");
        builder.Services.TryAddSingleton<IAmazonS3>(_ => new AmazonS3Client(S3Config(section, transferAcceleration)));
        return builder;
    }

    /// <summary>SQS: on AWS the queue's own endpoint; locally LocalAws, which speaks SQS's JSON protocol for sending.</summary>
    public static TBuilder AddSqsClient<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var section = builder.Configuration.GetSection("Aws");
        builder.Services.TryAddSingleton<IAmazonSQS>(_ => new AmazonSQSClient(Configure(new AmazonSQSConfig(), section, section["SqsServiceUrl"])));
        return builder;
    }

    public static AmazonS3Config S3Config(IConfiguration awsSection, bool transferAcceleration = false)
    {
        var serviceUrl = awsSection["S3ServiceUrl"];
        var config = Configure(new AmazonS3Config(), awsSection, serviceUrl);
        // The emulator serves buckets by path, not by virtual host, and has no accelerate endpoint.
        config.ForcePathStyle = serviceUrl is not null;
        config.UseAccelerateEndpoint = transferAcceleration && serviceUrl is null;
        return config;
    }

    private static T Configure<T>(T config, IConfiguration section, string? serviceUrl) where T : ClientConfig
    {
        var region = section["Region"] ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";
        if (string.IsNullOrEmpty(serviceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = region;
        }
        return config;
    }
}
