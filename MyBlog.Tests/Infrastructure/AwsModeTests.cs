using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using MyBlog.AppHost.Aws;

namespace MyBlog.Tests.Infrastructure;

/// <summary>
/// The AppHost's AWS mode up to the deploy call: the commands it would run, the outputs file it reads, and the
/// configuration each project gets. No AWS account is reachable here, so nothing is deployed.
/// </summary>
public sealed class AwsModeTests
{
    private const string Outputs = """
        {
          "MyBlog": {
            "SiteUrl": "https://blog.example.com",
            "DistributionId": "E2EXAMPLE123",
            "DistributionDomainName": "d111111abcdef8.cloudfront.net",
            "ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com",
            "Region": "eu-west-1",
            "TableName": "MyBlog-TableCD117FA1-1ABCDEF",
            "SiteBucket": "myblog-bucketssite-1abc",
            "UploadsBucket": "myblog-bucketsuploads-2def",
            "MediaBucket": "myblog-bucketsmedia-3ghi",
            "MailConfigurationSet": "MailEvents4B2F3E1A-1ABC",
            "SetupCodeParameterName": "/myblog/setup-code",
            "SenderAddress": "hello@example.com",
            "NewsletterQueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/MyBlog-FunctionsNewsletterQueue-1ABC",
            "LinkKeyParameterName": "/myblog/link-key",
            "IdKeyParameterName": "/myblog/subscriber-id-key"
          }
        }
        """;

    [Fact]
    public void Deploy_runs_the_pinned_CDK_CLI_with_the_outputs_file_and_the_inputs_as_context()
    {
        var arguments = CdkDeploy.DeployArguments(new AwsModeSettings
        {
            HomeRegion = "eu-west-1",
            ReplicaRegions = "us-east-1,ap-southeast-2",
            SenderAddress = "hello@example.com",
            OutputsFile = "/tmp/outputs.json",
            Profile = "blog",
        });
        Assert.Equal(["--yes", "aws-cdk@2.160.0", "deploy", "--all", "--require-approval", "never", "--outputs-file", "/tmp/outputs.json"], arguments.Take(8));
        Assert.Equal(["--profile", "blog"], arguments.SkipWhile(a => a != "--profile").Take(2));
        var context = arguments.Select((a, i) => (a, i)).Where(x => x.a == "-c").Select(x => arguments[x.i + 1]).ToList();
        Assert.Equal(["homeRegion=eu-west-1", "replicaRegions=us-east-1,ap-southeast-2", "senderAddress=hello@example.com",
            "extraUploadOrigins=http://localhost:8080,http://127.0.0.1:8080"], context);
        Assert.Equal(["run", "--project", "MyBlog.Infrastructure", "--", "package"], CdkDeploy.PackageArguments());
    }

    [Fact]
    public void The_preflight_reads_the_account_with_the_deploy_s_own_inputs()
    {
        var settings = new AwsModeSettings { HomeRegion = "eu-west-1", ReplicaRegions = "us-east-1", SenderAddress = "hello@example.com" };
        var preflight = CdkDeploy.PreflightArguments(settings);
        Assert.Equal(["run", "--project", "MyBlog.Infrastructure", "--", "preflight"], preflight.Take(5));
        var deploy = CdkDeploy.DeployArguments(settings);
        Assert.Equal(deploy.SkipWhile(a => a != "-c"), preflight.Skip(5));
    }

    [Fact]
    public void Without_a_sender_address_AWS_mode_says_what_to_pass()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CdkDeploy.DeployArguments(new AwsModeSettings()));
        Assert.Contains("--Aws:SenderAddress=", error.Message);
    }

    [Fact]
    public void Outputs_configure_the_api_the_workers_and_the_edge()
    {
        var outputs = StackOutputs.Parse(Outputs);
        var api = outputs.ForApi();
        Assert.Equal("MyBlog-TableCD117FA1-1ABCDEF", api["MyBlog__TableName"]);
        Assert.Equal("eu-west-1", api["Aws__Region"]);
        Assert.Equal("true", api["Uploads__TransferAcceleration"]);
        Assert.Equal("/myblog/setup-code", api["Secrets__Admin__SetupCode"]);
        Assert.DoesNotContain(api.Keys, k => k.Contains("ServiceUrl", StringComparison.Ordinal)); // real endpoints, not emulators

        var workers = outputs.ForWorkers();
        Assert.Equal("E2EXAMPLE123", workers["Publishing__DistributionId"]);
        // SES's API in the home region with the developer's own credentials: no SMTP password anywhere.
        Assert.Equal("eu-west-1", workers["Mail__Region"]);
        Assert.Equal("MailEvents4B2F3E1A-1ABC", workers["Mail__ConfigurationSet"]);
        Assert.DoesNotContain(workers.Keys, k => k.StartsWith("Secrets__Mail", StringComparison.Ordinal) || k.Contains("Host", StringComparison.Ordinal));
        Assert.Equal("myblog-bucketsmedia-3ghi", workers["Buckets__Media"]);
        Assert.All(new[] { api, workers }, project =>
        {
            Assert.EndsWith("/MyBlog-FunctionsNewsletterQueue-1ABC", project["Newsletter__QueueUrl"], StringComparison.Ordinal);
            Assert.Equal("/myblog/link-key", project["Secrets__Subscribers__LinkKey"]);
        });

        var web = outputs.ForWeb();
        Assert.Equal("myblog-bucketssite-1abc", web["Buckets__Site"]);
        Assert.Equal("https://myblog-bucketsuploads-2def.s3-accelerate.amazonaws.com", web["Edge__UploadOrigin"]);
    }

    [Theory]
    [InlineData("""{"Other": {}}""", "no 'MyBlog' stack")]
    [InlineData("""{"MyBlog": {"TableName": "t"}}""", "lack SiteUrl, DistributionId")]
    public void A_missing_or_partial_outputs_file_is_named_plainly(string json, string message) =>
        Assert.Contains(message, Assert.Throws<InvalidOperationException>(() => StackOutputs.Parse(json)).Message);

    [Fact]
    public async Task The_deploy_is_a_resource_and_projects_are_configured_from_its_outputs_once_it_completes()
    {
        var outputsFile = Path.Combine(Directory.CreateTempSubdirectory("myblog-aws-").FullName, "outputs.json");
        await File.WriteAllTextAsync(outputsFile, Outputs);
        var settings = new AwsModeSettings { SenderAddress = "hello@example.com", HomeRegion = "eu-west-1", OutputsFile = outputsFile, Profile = "blog" };
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { DisableDashboard = true });

        var deploy = builder.AddCdkDeploy("aws-stack", settings);
        // An executable stands in for the project: a project's endpoints are only allocated when the app runs.
        var api = builder.AddExecutable("api", "true", ".")
            .WithStackOutputs(deploy, settings, outputs => outputs.ForApi());

        Assert.Equal("npx", deploy.Resource.Command);
        Assert.EndsWith("MyBlog.Infrastructure", deploy.Resource.WorkingDirectory);
        Assert.Contains(builder.Resources, r => r.Name == "aws-stack-packages");
        Assert.Contains(api.Resource.Annotations.OfType<WaitAnnotation>(), w => w.Resource == deploy.Resource && w.WaitType == WaitType.WaitForCompletion);
#pragma warning disable CS0618 // the simple way to evaluate a resource's environment callbacks without starting it
        var environment = await api.Resource.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Run);
#pragma warning restore CS0618
        Assert.Equal("MyBlog-TableCD117FA1-1ABCDEF", environment["MyBlog__TableName"]);
        Assert.Equal("true", environment["Uploads__TransferAcceleration"]);
        Assert.Equal("blog", environment["AWS_PROFILE"]);
        Assert.False(environment.ContainsKey("Aws__DynamoDbServiceUrl"));
    }

    [Fact]
    public void AWS_mode_is_switched_on_by_Mode_aws()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mode"] = "aws", ["Aws:SenderAddress"] = "hello@example.com", ["Aws:ReplicaRegions"] = "us-west-2" }).Build();
        Assert.True(configuration.IsAwsMode());
        Assert.Equal("us-west-2", configuration.AwsModeSettings().ReplicaRegions);
        Assert.False(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build().IsAwsMode());
    }
}
