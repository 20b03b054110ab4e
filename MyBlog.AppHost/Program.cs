using Microsoft.Extensions.DependencyInjection;
using MyBlog.AppHost.Aws;
using MyBlog.AppHost.Emulators;
using MyBlog.AppHost.Regions;
using MyBlog.AppHost.Startup;
using MyBlog.Core.Storage;

var builder = DistributedApplication.CreateBuilder(args);
// A resource that fails to start is named in the terminal with its reason, not only in the dashboard.
builder.Services.AddHostedService<StartFailures>();
builder.ExportTelemetryOnlyToTheDashboard();

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
    AddEdge(builder, [(settings.HomeRegion, awsApi, awsWorkers)])
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

// One region by default; Local:Regions=us-east-1,eu-west-1 plays a global table's replicas and a stack per region.
var (regions, regionsProblem) = LocalRegions.From(builder.Configuration);
if (regionsProblem is not null)
{
    Console.Error.WriteLine($"MyBlog: {regionsProblem}");
    Environment.ExitCode = 2;
    return;
}

// A fresh, empty blog on every run, unless Local:Persist=true keeps the data between runs (LocalData).
var data = LocalData.From(builder);

// Local stand-ins for AWS: installed on first run, then the S3 emulator and the SMTP sink (behind LocalAws's SES
// API), shared by the regions; a DynamoDB Local per region below.
var setup = builder.AddEmulatorSetup("emulators-setup");
// The editor uploads from the site's origin, reached as localhost or 127.0.0.1.
var s3 = builder.AddS3Emulator("s3", MyBlogBuckets.All, corsOrigins: [siteUrl, $"http://127.0.0.1:{SitePort}"], data).WaitForCompletion(setup);
var smtp = builder.AddSmtpSink("smtp4dev", MailUiPort).WaitForCompletion(setup);

// The key newsletter unsubscribe links are signed with, and the one subscribers' ids are derived from; their local
// values are in appsettings.json.
var linkKey = builder.AddParameter("link-key", secret: true);
var idKey = builder.AddParameter("id-key", secret: true);
// The one-time setup code that makes the blog's first owner in the editor; its local value is in appsettings.json (see the README).
var setupCode = builder.AddParameter("setup-code", secret: true);

var stacks = regions.Select(region => AddRegion(builder, region, regions, siteUrl, data, setup, s3, smtp, linkKey, idKey, setupCode)).ToList();
// Every region's LocalAws ships its table's changes to the others' (global tables' replication).
foreach (var stack in stacks)
{
    foreach (var peer in stacks.Where(p => p.Region != stack.Region))
    {
        stack.LocalAws.WithEnvironment($"LocalAws__Replication__Peers__{peer.Region}", peer.LocalAws.GetEndpoint("http"));
    }
}
// Uploads raise S3 events; LocalAws queues them for its thumbnail worker (S3 → SQS → Lambda on AWS): the home
// region's, or the next region's while the home region is down.
s3.WithEventNotifications(stacks.Select(s => s.LocalAws).ToList(), "/s3/events", MyBlogBuckets.Uploads);

var web = AddEdge(builder, stacks.Select(s => (s.Region, s.Api, s.Workers)).ToList())
    .WithAwsEmulators(dynamoDb: null, s3);

// The publisher tells the edge which pages changed.
foreach (var stack in stacks)
{
    stack.Workers.WithEnvironment("Publishing__EdgeUrl", web.GetEndpoint("http"));
}

builder.Build().Run();

// One region's stack: its replica of the table, LocalAws (the region's stream deliveries, queues, schedules, SES and
// replication), the workers and the API. Every process says which region it is, in its settings and in its traces.
static RegionStack AddRegion(
    IDistributedApplicationBuilder builder, string region, IReadOnlyList<string> regions, string siteUrl, LocalData data,
    IResourceBuilder<ExecutableResource> setup, IResourceBuilder<ExecutableResource> s3, IResourceBuilder<ExecutableResource> smtp,
    IResourceBuilder<ParameterResource> linkKey, IResourceBuilder<ParameterResource> idKey, IResourceBuilder<ParameterResource> setupCode)
{
    string Named(string resource) => LocalRegions.Named(resource, region, regions);
    var regionData = regions.Count == 1 ? data : data.ForRegion(region);

    var dynamoDb = builder.AddDynamoDbLocal(Named("dynamodb"), regionData).WaitForCompletion(setup);

    // The AWS glue without an emulator (table provisioning, stream → Lambda and S3 → SQS → Lambda delivery, SES's API).
    var localAws = builder.AddProject<Projects.MyBlog_LocalAws>(Named("localaws"))
        .WithAwsEmulators(dynamoDb, s3)
        .InRegion(region)
        .WithEnvironment("MyBlog__SiteUrl", siteUrl)
        .WithEnvironment("LocalAws__FailuresDirectory", Path.Combine(Path.GetTempPath(), "myblog-failures", region))
        .WithEnvironment("LocalAws__Replication__Region", region)
        .WithLocalState(regionData, keepAlways: regions.Count > 1)
        .WithHttpHealthCheck("/health");

    var workers = builder.AddProject<Projects.MyBlog_Workers>(Named("workers"))
        .WithAwsEmulators(dynamoDb, s3)
        .InRegion(region)
        .WithSes(localAws, smtp)
        .WithNewsletterQueue(localAws)
        .WithEnvironment("Subscribers__LinkKey", linkKey)
        .WithEnvironment("Subscribers__IdKey", idKey)
        .WithEnvironment("MyBlog__SiteUrl", siteUrl)
        .WaitFor(localAws)
        .WithHttpHealthCheck("/health");
    localAws.WithReference(workers).WithEnvironment("LocalAws__WorkersUrl", $"http://{workers.Resource.Name}");

    var api = builder.AddProject<Projects.MyBlog_Api>(Named("api"))
        .WithAwsEmulators(dynamoDb, s3)
        .InRegion(region)
        .WithEnvironment("Admin__SetupCode", setupCode)
        .WithNewsletterQueue(localAws)
        .WithPublishScheduler(localAws)
        .WithEnvironment("Subscribers__LinkKey", linkKey)
        .WithEnvironment("Subscribers__IdKey", idKey)
        .WithEnvironment("MyBlog__SiteUrl", siteUrl)
        .WaitFor(localAws)
        .WithHttpHealthCheck("/health");
    if (regions.Count > 1)
    {
        dynamoDb.WithRegionOutageCommands(region, [api, workers, localAws]);

        // Global tables' lag (Local:ReplicationLag, half a second unless set), and a welcome's and a newsletter job's
        // wait for the table to settle: comfortably longer, so two regions that wrote one subscriber (or published one
        // post) at once agree on who sends.
        var lag = LocalRegions.ReplicationLag(builder.Configuration);
        var settle = lag * 3 + TimeSpan.FromSeconds(1);
        localAws.WithEnvironment("LocalAws__Replication__Lag", lag.ToString());
        api.WithEnvironment("Welcome__Settle", settle.ToString());
        workers.WithEnvironment("Welcome__Settle", settle.ToString());
        workers.WithEnvironment("Newsletter__Settle", settle.ToString());
        // A region whose heartbeat (its welcome sweep) is silent this long is lost, and the others take over the
        // welcomes it owes; one back from half that absence waits until the others have seen it back.
        workers.WithEnvironment("Welcome__HandoverAfter", LocalRegions.HandoverAfter(builder.Configuration).ToString());
    }
    if (region != regions[0])
    {
        // The projects' launch profiles fix the home region's ports; another region's copies take free ones.
        foreach (var project in new[] { localAws, workers, api })
        {
            project.WithEndpoint("http", endpoint => endpoint.Port = null);
        }
    }
    return new RegionStack(region, localAws, workers, api);
}

// The edge: what CloudFront is on AWS, at a fixed address people and scripts can rely on; started once the APIs are
// healthy and the workers are (which they are once the site has been built). Like CloudFront it proves itself to
// the API with an origin secret (made anew each run) and tells it the reader's address; the API believes nobody else.
// With several regions it sends each API request to the first healthy region in the order given, and to the next
// when that one stops answering its health checks.
static IResourceBuilder<ProjectResource> AddEdge(
    IDistributedApplicationBuilder builder,
    IReadOnlyList<(string Region, IResourceBuilder<ProjectResource> Api, IResourceBuilder<ProjectResource> Workers)> stacks)
{
    var originSecret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    var web = builder.AddProject<Projects.MyBlog_Web>("web")
        .WithEnvironment("Edge__OriginSecret", originSecret)
        .WithEndpoint("http", endpoint =>
        {
            endpoint.Port = SitePort;
            endpoint.IsProxied = false;
        })
        .WithExternalHttpEndpoints()
        .WithHttpHealthCheck("/health");
    for (var i = 0; i < stacks.Count; i++)
    {
        var stack = stacks[i];
        stack.Api.WithEnvironment("Edge__OriginSecret", originSecret);
        web.WithReference(stack.Api).WaitFor(stack.Api).WaitFor(stack.Workers);
        if (stacks.Count > 1)
        {
            web.WithEnvironment($"Edge__ApiRegions__{i}__Region", stack.Region)
                .WithEnvironment($"Edge__ApiRegions__{i}__Url", $"http://{stack.Api.Resource.Name}");
        }
    }
    return web;
}

/// <summary>What one region runs locally.</summary>
sealed record RegionStack(
    string Region,
    IResourceBuilder<ProjectResource> LocalAws,
    IResourceBuilder<ProjectResource> Workers,
    IResourceBuilder<ProjectResource> Api);
