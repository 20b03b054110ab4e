using Microsoft.Extensions.DependencyInjection;
using MyBlog.AppHost.Aws;
using MyBlog.AppHost.Emulators;
using MyBlog.AppHost.Startup;
using MyBlog.Core.Storage;

var builder = DistributedApplication.CreateBuilder(args);
// A resource that fails to start is named in the terminal with its reason, not only in the dashboard.
builder.Services.AddHostedService<StartFailures>();

const int SitePort = 8080;
const int MailUiPort = 8025;
var siteUrl = $"http://localhost:{SitePort}";

if (builder.Configuration.IsAwsMode())
{
    // AWS mode (--Mode aws): deploy the CDK stack, then run Api, Workers and the edge locally against its real
    // resources. The deployed functions consume the stream and the queue; the local Workers serve their endpoints
    // against the same table and buckets, for replaying an event by hand.
    var settings = builder.Configuration.AwsModeSettings();
    // What would stop the deploy (no credentials, no bootstrap, missing parameters, a fresh account's quotas, SES's
    // sandbox, an earlier attempt's leftovers) is said here, in the terminal, before anything is packaged.
    if (await CdkDeploy.PreflightAsync(Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..")), settings) != 0)
    {
        Console.Error.WriteLine("MyBlog: the preflight found what would stop the deploy (FAIL lines above, each with its fix); nothing was deployed.");
        Environment.ExitCode = 2;
        return;
    }
    var stack = builder.AddCdkDeploy("aws-stack", settings);
    var awsApi = builder.AddProject<Projects.MyBlog_Api>("api")
        .WithStackOutputs(stack, settings, outputs => outputs.ForApi())
        .WithHttpHealthCheck("/health");
    var awsWorkers = builder.AddProject<Projects.MyBlog_Workers>("workers")
        .WithStackOutputs(stack, settings, outputs => outputs.ForWorkers())
        .WithHttpHealthCheck("/health");
    AddEdge(builder, awsApi, awsWorkers)
        .WithStackOutputs(stack, settings, outputs => outputs.ForWeb());
    builder.Build().Run();
    return;
}

// Parameters the services would refuse stop the run here, before anything starts, each with how to fix it.
if (LocalParameters.Problems(builder.Configuration) is { Count: > 0 } problems)
{
    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"MyBlog: {problem}");
    }
    Environment.ExitCode = 2;
    return;
}

// A fresh, empty blog on every run, unless Local:Persist=true keeps the data between runs (LocalData).
var data = LocalData.From(builder);

// Local stand-ins for AWS: installed on first run, then DynamoDB Local, the S3 emulator and the SMTP sink (behind
// LocalAws's SES API).
var setup = builder.AddEmulatorSetup("emulators-setup");
var dynamoDb = builder.AddDynamoDbLocal("dynamodb", data).WaitForCompletion(setup);
// The editor uploads from the site's origin, reached as localhost or 127.0.0.1.
var s3 = builder.AddS3Emulator("s3", MyBlogBuckets.All, corsOrigins: [siteUrl, $"http://127.0.0.1:{SitePort}"], data).WaitForCompletion(setup);
var smtp = builder.AddSmtpSink("smtp4dev", MailUiPort).WaitForCompletion(setup);

// The AWS glue without an emulator (table provisioning, stream → Lambda and S3 → SQS → Lambda delivery, SES's API).
var localAws = builder.AddProject<Projects.MyBlog_LocalAws>("localaws")
    .WithAwsEmulators(dynamoDb, s3)
    .WithEnvironment("MyBlog__SiteUrl", siteUrl)
    .WithEnvironment("LocalAws__FailuresDirectory", Path.Combine(Path.GetTempPath(), "myblog-failures"))
    .WithLocalState(data)
    .WithHttpHealthCheck("/health");

// The key newsletter unsubscribe links are signed with, and the one subscribers' ids are derived from; their local
// values are in appsettings.json.
var linkKey = builder.AddParameter("link-key", secret: true);
var idKey = builder.AddParameter("id-key", secret: true);

var workers = builder.AddProject<Projects.MyBlog_Workers>("workers")
    .WithAwsEmulators(dynamoDb, s3)
    .WithSes(localAws, smtp)
    .WithNewsletterQueue(localAws)
    .WithEnvironment("Subscribers__LinkKey", linkKey)
    .WithEnvironment("Subscribers__IdKey", idKey)
    .WithEnvironment("MyBlog__SiteUrl", siteUrl)
    .WaitFor(localAws)
    .WithHttpHealthCheck("/health");
localAws.WithReference(workers);
// Uploads raise S3 events; LocalAws queues them for the thumbnail worker (S3 → SQS → Lambda on AWS).
s3.WithEventNotifications(localAws, "/s3/events", MyBlogBuckets.Uploads);

// The author's token for /api/admin/* and the editor; its local value is in appsettings.json (see the README).
var adminToken = builder.AddParameter("admin-token", secret: true);

var api = builder.AddProject<Projects.MyBlog_Api>("api")
    .WithAwsEmulators(dynamoDb, s3)
    .WithEnvironment("Admin__Token", adminToken)
    .WithNewsletterQueue(localAws)
    .WithPublishScheduler(localAws)
    .WithEnvironment("Subscribers__LinkKey", linkKey)
    .WithEnvironment("Subscribers__IdKey", idKey)
    .WithEnvironment("MyBlog__SiteUrl", siteUrl)
    .WaitFor(localAws)
    .WithHttpHealthCheck("/health");

var web = AddEdge(builder, api, workers)
    .WithAwsEmulators(dynamoDb: null, s3);

// The publisher tells the edge which pages changed.
workers.WithEnvironment("Publishing__EdgeUrl", web.GetEndpoint("http"));

builder.Build().Run();

// The edge: what CloudFront is on AWS, at a fixed address people and scripts can rely on; started once the API is
// healthy and the workers are (which they are once the site has been built). Like CloudFront it proves itself to
// the API with an origin secret (made anew each run) and tells it the reader's address; the API believes nobody else.
static IResourceBuilder<ProjectResource> AddEdge(
    IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> api, IResourceBuilder<ProjectResource> workers)
{
    var originSecret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    api.WithEnvironment("Edge__OriginSecret", originSecret);
    return builder.AddProject<Projects.MyBlog_Web>("web")
        .WithReference(api)
        .WithEnvironment("Edge__OriginSecret", originSecret)
        .WithEndpoint("http", endpoint =>
        {
            endpoint.Port = SitePort;
            endpoint.IsProxied = false;
        })
        .WithExternalHttpEndpoints()
        .WaitFor(api)
        .WaitFor(workers)
        .WithHttpHealthCheck("/health");
}
