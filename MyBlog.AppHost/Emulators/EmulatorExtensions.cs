using MyBlog.Aws.Functions;

namespace MyBlog.AppHost.Emulators;

/// <summary>
/// The local emulators as resources, the way <c>AddRedis</c> reads in eShop: each an executable (Java, Node or a
/// dotnet tool — no Docker) that waits for the one-time setup, with its endpoint and a health check.
/// </summary>
public static class EmulatorExtensions
{
    /// <summary>Credentials the services use against the emulators; s3rver only knows this key pair.</summary>
    public const string LocalAccessKey = "S3RVER";
    public const string LocalRegion = "us-east-1";

    private static string EmulatorsDirectory(IDistributedApplicationBuilder builder) =>
        Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "emulators"));

    /// <summary>Installs the pinned emulators on first run (npm, the DynamoDB Local tarball, dotnet tools); reused afterwards.</summary>
    public static IResourceBuilder<ExecutableResource> AddEmulatorSetup(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddExecutable(name, "node", EmulatorsDirectory(builder), "setup.mjs");

    /// <summary>
    /// DynamoDB Local 1.25.1, one shared database whatever the caller's credentials or region: in memory, or in the
    /// persisted data folder when <paramref name="data"/> keeps it.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> AddDynamoDbLocal(this IDistributedApplicationBuilder builder, string name, LocalData data)
    {
        var databaseDirectory = data.Persist ? data.Folder("dynamodb") : null;
        var dynamo = builder.AddExecutable(name, "java", Path.Combine(EmulatorsDirectory(builder), "dynamodb"))
            .WithHttpEndpoint(name: "http");
        var endpoint = dynamo.GetEndpoint("http");
        return dynamo
            .WithArgs(context =>
            {
                // The quick compiler tier only: with the optimising one the JVM went on compiling for minutes after
                // start, in bursts of milliseconds that took a core from whatever ran beside it (every test topology
                // starts a fresh JVM; the API's tail latency under load felt it). A local emulator's few requests a
                // second gain nothing from the optimised code.
                context.Args.Add("-XX:TieredStopAtLevel=1");
                context.Args.Add("-Djava.library.path=./DynamoDBLocal_lib");
                context.Args.Add("-jar");
                context.Args.Add("DynamoDBLocal.jar");
                if (databaseDirectory is null)
                {
                    context.Args.Add("-inMemory");
                }
                else
                {
                    context.Args.Add("-dbPath");
                    context.Args.Add(databaseDirectory);
                }
                context.Args.Add("-sharedDb");
                context.Args.Add("-disableTelemetry");
                context.Args.Add("-port");
                context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
            })
            // An unsigned GET is answered 400 MissingAuthenticationToken: that answer means it is up.
            .WithHttpHealthCheck("/", statusCode: 400);
    }

    /// <summary>
    /// s3rver 3.7.1 behind the SDK-compatibility front in emulators/s3.mjs, with the buckets created at start —
    /// empty, like the in-memory DynamoDB Local beside it, unless <paramref name="data"/> keeps them.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> AddS3Emulator(
        this IDistributedApplicationBuilder builder, string name, IEnumerable<string> buckets, IEnumerable<string> corsOrigins, LocalData data)
    {
        var directory = data.Persist ? data.Folder("s3") : Path.Combine(Path.GetTempPath(), "myblog-s3", builder.Environment.EnvironmentName);
        return builder.AddExecutable(name, "node", EmulatorsDirectory(builder), "s3.mjs")
            .WithHttpEndpoint(name: "http", env: "PORT")
            .WithEnvironment("S3_DIRECTORY", directory)
            .WithEnvironment("S3_RESET", data.Persist ? "false" : "true")
            .WithEnvironment("S3_BUCKETS", string.Join(',', buckets))
            .WithEnvironment("S3_CORS_ORIGINS", string.Join(',', corsOrigins))
            .WithHttpHealthCheck("/_emulator/health");
    }

    /// <summary>
    /// Sends the S3 emulator's ObjectCreated events for <paramref name="buckets"/> to <paramref name="receiver"/>'s
    /// <paramref name="path"/> (S3 event notifications, locally).
    /// </summary>
    /// <remarks>With several receivers (the regions' LocalAws, home first) each event goes to the first that takes it.</remarks>
    public static IResourceBuilder<ExecutableResource> WithEventNotifications(
        this IResourceBuilder<ExecutableResource> s3, IReadOnlyList<IResourceBuilder<ProjectResource>> receivers, string path, params string[] buckets)
    {
        var urls = new ReferenceExpressionBuilder();
        for (var i = 0; i < receivers.Count; i++)
        {
            if (i > 0)
            {
                urls.AppendLiteral(",");
            }
            urls.Append($"{receivers[i].GetEndpoint("http")}{path}");
        }
        return s3
            .WithEnvironment("S3_EVENTS_URL", urls.Build())
            .WithEnvironment("S3_EVENTS_BUCKETS", string.Join(',', buckets));
    }

    /// <summary>smtp4dev 3.15.0 (a local dotnet tool): SMTP on a loopback port, its web UI and REST API on <paramref name="uiPort"/>.</summary>
    public static IResourceBuilder<ExecutableResource> AddSmtpSink(this IDistributedApplicationBuilder builder, string name, int uiPort)
    {
        var repoRoot = Path.GetDirectoryName(EmulatorsDirectory(builder))!;
        var smtp = builder.AddExecutable(name, "dotnet", repoRoot, "tool", "run", "smtp4dev")
            .WithHttpEndpoint(port: uiPort, name: "http", isProxied: false)
            .WithEndpoint(name: "smtp", scheme: "tcp");
        var smtpEndpoint = smtp.GetEndpoint("smtp");
        return smtp
            .WithArgs(context =>
            {
                context.Args.Add($"--urls=http://127.0.0.1:{uiPort}");
                context.Args.Add(ReferenceExpression.Create($"--smtpport={smtpEndpoint.Property(EndpointProperty.TargetPort)}"));
                context.Args.Add("--bindaddress=127.0.0.1");
                context.Args.Add("--hostname=localhost");
                context.Args.Add("--imapport=");
                context.Args.Add("--pop3port=");
                context.Args.Add("--db=");
                // Enough for a newsletter benchmark's worth of mail; smtp4dev keeps them in memory.
                context.Args.Add("--messagestokeep=20000");
                context.Args.Add("--nousersettings");
            })
            .WithHttpHealthCheck("/api/Messages");
    }

    /// <summary>
    /// LocalAws keeps what AWS would keep between runs beside the persisted data: where each stream mapping has read
    /// to (as Lambda keeps a mapping's position), so a restart neither replays nor skips the table's changes.
    /// </summary>
    /// <param name="keepAlways">
    /// Keep it in the data folder even when the data is not persisted: with several regions, a region's LocalAws that
    /// is stopped and started again (a region's outage) must resume its stream deliveries where they were.
    /// </param>
    public static IResourceBuilder<ProjectResource> WithLocalState(this IResourceBuilder<ProjectResource> localAws, LocalData data, bool keepAlways = false) =>
        data.Persist || keepAlways ? localAws.WithEnvironment("LocalAws__StateDirectory", data.Folder("localaws")) : localAws;

    /// <summary>
    /// The region a service plays (<c>MyBlog:Region</c>); the service defaults put it on every span and metric as
    /// <c>cloud.region</c>, so the dashboard shows which region served what.
    /// </summary>
    public static IResourceBuilder<ProjectResource> InRegion(this IResourceBuilder<ProjectResource> project, string region) =>
        project.WithEnvironment("MyBlog__Region", region);

    /// <summary>
    /// The newsletter queue: LocalAws speaks SQS's JSON protocol for sending, so the project's SQS client is pointed
    /// at it, with the queue's URL as SQS would give it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithNewsletterQueue(this IResourceBuilder<ProjectResource> project, IResourceBuilder<ProjectResource> localAws)
    {
        var endpoint = localAws.GetEndpoint("http");
        return project
            .WithEnvironment("Aws__SqsServiceUrl", endpoint)
            .WithEnvironment("Newsletter__QueueUrl", ReferenceExpression.Create($"{endpoint}/000000000000/myblog-{AwsFunctions.NewsletterQueue}"))
            .WaitFor(localAws);
    }

    /// <summary>
    /// EventBridge Scheduler for posts' one-time schedules: LocalAws speaks the part of its API MyBlog uses, and runs
    /// the target function (named by its ARN) at the time.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPublishScheduler(this IResourceBuilder<ProjectResource> api, IResourceBuilder<ProjectResource> localAws) =>
        api.WithEnvironment("Scheduling__ServiceUrl", localAws.GetEndpoint("http"))
            .WithEnvironment("Scheduling__TargetArn", $"arn:aws:lambda:{LocalRegion}:000000000000:function:{AwsFunctions.PublishDue.Name}")
            .WithEnvironment("Scheduling__RoleArn", "arn:aws:iam::000000000000:role/myblog-local-scheduler");

    /// <summary>Points a service's AWS SDK clients at the emulators.</summary>
    public static IResourceBuilder<ProjectResource> WithAwsEmulators(
        this IResourceBuilder<ProjectResource> project,
        IResourceBuilder<ExecutableResource>? dynamoDb,
        IResourceBuilder<ExecutableResource>? s3 = null)
    {
        project
            .WithEnvironment("Aws__Region", LocalRegion)
            .WithEnvironment("AWS_ACCESS_KEY_ID", LocalAccessKey)
            .WithEnvironment("AWS_SECRET_ACCESS_KEY", LocalAccessKey);
        if (dynamoDb is not null)
        {
            project.WithEnvironment("Aws__DynamoDbServiceUrl", dynamoDb.GetEndpoint("http")).WaitFor(dynamoDb);
        }
        if (s3 is not null)
        {
            project.WithEnvironment("Aws__S3ServiceUrl", s3.GetEndpoint("http")).WaitFor(s3);
        }
        return project;
    }

    /// <summary>
    /// Sends a service's mail through SES's API as LocalAws answers it, and LocalAws hands each message to the SMTP
    /// sink: the sender runs the code it runs on AWS.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSes(
        this IResourceBuilder<ProjectResource> project, IResourceBuilder<ProjectResource> localAws, IResourceBuilder<ExecutableResource> smtp)
    {
        var endpoint = smtp.GetEndpoint("smtp");
        localAws
            .WithEnvironment("LocalAws__Ses__SmtpHost", endpoint.Property(EndpointProperty.Host))
            .WithEnvironment("LocalAws__Ses__SmtpPort", endpoint.Property(EndpointProperty.Port))
            .WaitFor(smtp);
        return project.WithEnvironment("Mail__ServiceUrl", localAws.GetEndpoint("http"));
    }
}
