using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// AWS SDK clients configured from the "Aws" section. On AWS only the region matters; locally the AppHost sets
/// <c>Aws:DynamoDbServiceUrl</c> and <c>Aws:S3ServiceUrl</c> to the emulators. Everything else keeps SDK defaults.
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

    public static TBuilder AddS3Client<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var section = builder.Configuration.GetSection("Aws");
        builder.Services.AddSingleton<IAmazonS3>(_ =>
        {
            var config = Configure(new AmazonS3Config(), section, section["S3ServiceUrl"]);
            // The emulator serves buckets by path, not by virtual host.
            config.ForcePathStyle = section["S3ServiceUrl"] is not null;
            return new AmazonS3Client(config);
        });
        return builder;
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
