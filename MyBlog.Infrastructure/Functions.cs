using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.Scheduler;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Constructs;
using MyBlog.Aws.Functions;
using MyBlog.Core.Storage;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace MyBlog.Infrastructure;

/// <summary>
/// Every function of <see cref="AwsFunctions"/>, made from its declaration: its package (the Native AOT API, or the
/// workers' package running the one handler it names), its own role holding only what its <see cref="Access"/>
/// allows, its own log group, its trigger (the HTTP API, a stream event source mapping, a queue with its dead-letter
/// queue, a schedule, a topic, the deploy's custom resource) and its settings. All run the self-contained .NET build
/// on provided.al2023: the package's <c>bootstrap</c> starts the app, and the Lambda Web Adapter layer (an extension
/// on OS-only runtimes — no exec wrapper) waits for <c>/health</c>, proxies HTTP and POSTs other events to the
/// function's path (<c>AWS_LWA_PASS_THROUGH_PATH</c>).
/// </summary>
public sealed class Functions : Construct
{
    public const string AdapterPort = "8080";

    /// <summary>
    /// How long new owed work waits for the table to settle with regions: global tables replicate within a second or
    /// two as a rule (CloudWatch's ReplicationLatency, alarmed at a minute), so five seconds covers what is usual.
    /// </summary>
    public const string RegionSettle = "00:00:05";

    /// <summary>How long a region's heartbeat (its welcome sweep, every minute) may be silent before it is lost.</summary>
    public const string RegionHandoverAfter = "00:10:00";

    private readonly StackSettings _settings;
    private readonly NagAcceptances _nag;
    private readonly ITableV2 _table;
    private readonly Buckets _buckets;
    private readonly SiteEndpoint _site;
    private readonly Dictionary<string, AssetCode> _packages = [];
    private readonly Dictionary<string, LambdaFunction> _functions = [];
    private readonly Dictionary<string, Queue> _queues = [];
    private readonly Dictionary<string, Role> _scheduleRoles = [];
    private readonly List<(string Id, Queue Queue)> _endOfLine = [];
    private readonly Dictionary<string, LogGroup> _logGroups = [];

    /// <summary>The function's log group (kept a month).</summary>
    public LogGroup LogGroupOf(FunctionDeclaration declaration) => _logGroups[declaration.Name];

    /// <summary>The function made from <paramref name="declaration"/>.</summary>
    public LambdaFunction this[FunctionDeclaration declaration] => _functions[declaration.Name];

    /// <summary>Every function, in the table's order.</summary>
    public IEnumerable<LambdaFunction> All => AwsFunctions.All.Select(f => this[f]);

    /// <summary>A queue of the table (by <see cref="QueueTrigger.Queue"/>).</summary>
    public Queue Queue(string name) => _queues[name];

    /// <summary>The queues nothing receives from (dead letters, the streams' failures): kept 14 days, alarmed on their first message.</summary>
    public IReadOnlyList<(string Id, Queue Queue)> EndOfLine => _endOfLine;

    /// <summary>The stream event sources' shared on-failure destination.</summary>
    public Queue StreamFailures { get; }

    /// <summary>The topics functions are subscribed to, by name (SES's feedback).</summary>
    public IReadOnlyDictionary<string, Topic> Topics => _topics;

    private readonly Dictionary<string, Topic> _topics = [];

    /// <summary>The site, rebuilt on each deploy (the custom resource its deploy function answers).</summary>
    public CustomResource? Site { get; private set; }

    /// <summary>Messages a second each instance of a mail function may send, for an account allowing <paramref name="sesSendRate"/>.</summary>
    public static double MailPace(FunctionDeclaration function, double sesSendRate) =>
        function.Mail?.PerInstance(sesSendRate) ?? throw new ArgumentException($"{function.Name} sends no mail.", nameof(function));

    private readonly string _tableArnForNag;

    /// <param name="tableArnForNag">The table's ARN as cdk-nag prints it: the home region's table by reference, a replica by the value its stack read.</param>
    public Functions(Construct scope, string id, StackSettings settings, ITableV2 table, string tableArnForNag, Buckets buckets, SiteEndpoint site, PublicApi api, NagAcceptances nag) : base(scope, id)
    {
        _tableArnForNag = tableArnForNag;
        _settings = settings;
        _nag = nag;
        _table = table;
        _buckets = buckets;
        _site = site;

        StreamFailures = EndOfLineQueue("StreamFailures");
        _nag.Accept(StreamFailures, "AwsSolutions-SQS3",
            "This queue is itself the end of the line: the stream event sources' on-failure destination, kept 14 days and alarmed. What its records owed stays in the table (the welcome sweep delivers it).");

        // Queues first: a function that sends to one is given its URL.
        foreach (var (_, trigger) in AwsFunctions.Triggered<QueueTrigger>())
        {
            _queues[trigger.Queue] = QueueWithDeadLetters(trigger);
        }
        foreach (var declaration in AwsFunctions.All)
        {
            _functions[declaration.Name] = Create(declaration);
        }
        foreach (var declaration in AwsFunctions.All)
        {
            var function = this[declaration];
            Grant(declaration, function);
            Trigger(declaration, function, api);
        }
        // Last: the schedules a function makes invoke a function whose schedule role now exists.
        foreach (var declaration in AwsFunctions.All.Where(f => f.Access.SchedulesFunction is not null))
        {
            AllowSchedules(this[declaration], AwsFunctions.Named(declaration.Access.SchedulesFunction)!);
        }
        foreach (var (_, queue) in _endOfLine)
        {
            _nag.Accept(queue, "Serverless-SQSRedrivePolicy",
                "A dead-letter or on-failure queue is the end of the line: nothing receives from it, its messages are kept 14 days and an alarm fires on the first one.");
        }
    }

    private LambdaFunction Create(FunctionDeclaration declaration)
    {
        var id = declaration.ConstructId;
        var stack = Stack.Of(this);
        // Named as Lambda would name it, so a person finds each function's logs where AWS's docs and tools look:
        // /aws/lambda/<function>. Both names are fixed, and both go with a rolled-back attempt (the log group is
        // destroyed with the stack), so a retry does not collide with them.
        var functionName = $"{stack.StackName}-{declaration.Name}";
        var logs = new LogGroup(this, $"{id}Logs", new LogGroupProps
        {
            LogGroupName = $"/aws/lambda/{functionName}",
            Retention = RetentionDays.ONE_MONTH,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        _logGroups[declaration.Name] = logs;
        // Its own role: no managed policy (AWSLambdaBasicExecutionRole allows every log group); its log group only.
        var role = new Role(this, $"{id}Role", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"MyBlog {declaration.Name} function",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [logs.LogGroupArn],
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["xray:PutSpans", "xray:PutSpansForIndexing"],
            Resources = ["*"],
        }));

        Queue? deadLetters = null;
        if (declaration.Trigger is TopicTrigger topic)
        {
            // SNS retries a delivery and then gives up: what it gives up on lands here (the subscription's and the function's).
            deadLetters = EndOfLineQueue($"{topic.Topic}DeadLetters");
        }
        var function = new LambdaFunction(this, id, new FunctionProps
        {
            FunctionName = functionName,
            Runtime = Runtime.PROVIDED_AL2023,
            Architecture = _settings.Architecture == "arm64" ? Architecture.ARM_64 : Architecture.X86_64,
            Handler = "bootstrap",
            Code = PackageCode(declaration.Package),
            MemorySize = declaration.MemoryMb,
            Timeout = Duration.Seconds(declaration.FunctionTimeout.TotalSeconds),
            Role = role,
            LogGroup = logs,
            Layers = [LayerVersion.FromLayerVersionArn(this, $"{id}Adapter", _settings.LambdaAdapterLayerArn(stack.Region))],
            Environment = Environment(declaration),
            ReservedConcurrentExecutions = declaration.Mail is { } mail && _settings.ReserveMailConcurrency ? mail.Instances : null,
            DeadLetterQueue = deadLetters,
            Tracing = Tracing.ACTIVE,
            Description = $"MyBlog {declaration.Name} ({(declaration.Package == Package.Api ? "MyBlog.Api" : "MyBlog.Workers")} on the Lambda Web Adapter)",
        });
        if (declaration.EphemeralStorageMb is { } storage)
        {
            ((CfnFunction)function.Node.DefaultChild!).EphemeralStorage = new CfnFunction.EphemeralStorageProperty { Size = storage };
        }
        // Active tracing: Lambda's own X-Ray segments (start-up and invocation times); the app's spans go to X-Ray too.
        _nag.Accept(DefaultPolicy(function), "AwsSolutions-IAM5",
            "X-Ray's write actions (PutTraceSegments, PutTelemetryRecords, PutSpans, PutSpansForIndexing) take no resource-level permissions: AWS documents their resource as *.",
            "Resource::*");
        return function;
    }

    /// <summary>Everything the function is configured with: the table, its buckets, its secrets' parameters, its mail and queues, its settings.</summary>
    private Dictionary<string, string> Environment(FunctionDeclaration declaration)
    {
        var stack = Stack.Of(this);
        var access = declaration.Access;
        var environment = new Dictionary<string, string>
        {
            ["MyBlog__TableName"] = _table.TableName,
            ["MyBlog__SiteUrl"] = _site.Url,
            // The app's spans go to X-Ray's OTLP endpoint (MyBlog.ServiceDefaults XRayTraces), as they go to the dashboard locally.
            ["Telemetry__XRayRegion"] = stack.Region,
            // Each function is its own service in Transaction Search and the trace map (locally: the resource's name).
            ["OTEL_SERVICE_NAME"] = "myblog-" + declaration.Name,
            ["AWS_LWA_PORT"] = AdapterPort,
            ["AWS_LWA_READINESS_CHECK_PATH"] = "/health",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        if (_settings.MultiRegion)
        {
            // The region that makes work owed owns it (a welcome, a newsletter job), and says so with this name; new
            // work waits for the table to settle first, so that two regions that made the same work at once agree on
            // the one whose write won.
            environment["MyBlog__Region"] = stack.Region;
            environment["Welcome__Settle"] = RegionSettle;
            environment["Newsletter__Settle"] = RegionSettle;
            // A region silent this long (ten sweeps) is lost, and the others take over the welcomes it owes; one back
            // from half that absence sends nothing until the others have seen it back and their writes have reached it.
            environment["Welcome__HandoverAfter"] = RegionHandoverAfter;
        }
        if (declaration.Package == Package.Workers)
        {
            // The one handler this function runs: it composes only what that uses.
            environment[Key(AwsFunctions.HandlerKey)] = declaration.Name;
            environment["AWS_LWA_PASS_THROUGH_PATH"] = declaration.Path;
            // The adapter hands the answer body to Lambda whatever its status; a 5xx must fail the invocation (and retry).
            environment["AWS_LWA_ERROR_STATUS_CODES"] = "500-599";
            // None renders the site at start: the deploy's custom resource has rendered it before any event arrives, so
            // every function is ready as soon as it listens (a cold start costs no bucket read).
            environment["Publishing__BuildOnStart"] = "false";
        }
        foreach (var bucket in access.Objects.Select(o => o.Bucket).Distinct())
        {
            environment[$"Buckets__{bucket}"] = _buckets.Of(bucket).BucketName;
        }
        foreach (var secret in declaration.Secrets)
        {
            environment[Key("Secrets:" + secret.ConfigurationKey())] = secret == Secret.OriginSecret
                // The version CloudFront sends; a new version changes this configuration, so Lambda starts the API afresh.
                ? _settings.OriginSecretAt(_settings.OriginSecretVersion)
                : ParameterName(secret);
        }
        if (access.Secrets.Contains(Secret.OriginSecret) && _settings.OriginSecretVersion > 1)
        {
            // And the one before it: a rotation reaches edge locations over minutes.
            environment["Secrets__Edge__PreviousOriginSecret"] = _settings.OriginSecretAt(_settings.OriginSecretVersion - 1);
        }
        if (declaration.Mail is { } mail)
        {
            // SES allows a fixed rate per account, shared by the mail functions: each instance paces itself to its share.
            environment["Mail__FromAddress"] = _settings.SenderAddress;
            environment["Mail__MaxSendRate"] = mail.PerInstance(_settings.SesSendRate).ToString("0.###", CultureInfo.InvariantCulture);
        }
        var queueUrls = access.SendsTo.Select(name => AwsFunctions.All.Select(f => f.Trigger).OfType<QueueTrigger>().Single(q => q.Queue == name));
        if (declaration.Trigger is QueueTrigger own)
        {
            queueUrls = queueUrls.Append(own);
        }
        foreach (var queue in queueUrls.Where(q => q.UrlSetting is not null).Distinct())
        {
            environment[Key(queue.UrlSetting!)] = _queues[queue.Queue].QueueUrl;
        }
        if (access.InvalidatesCdn)
        {
            environment["Publishing__DistributionId"] = _site.DistributionId;
        }
        foreach (var (key, value) in declaration.AllSettings)
        {
            environment[Key(key)] = value;
        }
        return environment;
    }

    /// <summary>A configuration key as an environment variable's name ("Mail:MaxSendRate" → "Mail__MaxSendRate").</summary>
    private static string Key(string configurationKey) => configurationKey.Replace(":", "__", StringComparison.Ordinal);

    private string ParameterName(Secret secret) => secret switch
    {
        Secret.SetupCode => _settings.SetupCodeParameterName,
        Secret.OriginSecret => _settings.OriginSecretParameterName,
        Secret.LinkKey => _settings.LinkKeyParameterName,
        Secret.IdKey => _settings.IdKeyParameterName,
        _ => throw new ArgumentOutOfRangeException(nameof(secret)),
    };

    /// <summary>
    /// Lets every mail function send through SES's API as itself — SendEmail with raw content is authorized as both
    /// actions, on the sender's identity and the configuration set (<paramref name="resources"/>) — and names the
    /// configuration set its messages go through.
    /// </summary>
    public void AllowMail(string configurationSet, string[] resources)
    {
        foreach (var declaration in AwsFunctions.All.Where(f => f.Mail is not null))
        {
            var function = this[declaration];
            function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Actions = ["ses:SendEmail", "ses:SendRawEmail"],
                Resources = resources,
            }));
            function.AddEnvironment("Mail__ConfigurationSet", configurationSet);
        }
    }

    /// <summary>The role's grants, from the declaration's access and nothing else.</summary>
    private void Grant(FunctionDeclaration declaration, LambdaFunction function)
    {
        var access = declaration.Access;
        if (access.Table.Reads.Count > 0)
        {
            // The table, and for functions that query, its list index by name, and the directory index for the one
            // function that reads it; never every index.
            string[] resources = access.Table.QueriesListIndex ? [_table.TableArn, $"{_table.TableArn}/index/{MyBlogTable.ListIndex}"] : [_table.TableArn];
            if (access.Table.QueriesDirectoryIndex)
            {
                resources = [.. resources, $"{_table.TableArn}/index/{MyBlogTable.DirectoryIndex}"];
            }
            Allow(function, [.. access.Table.Reads], resources);
        }
        foreach (var writes in access.Table.Writes)
        {
            // Writes to the items whose partition key is one it owns (IAM's dynamodb:LeadingKeys, which a transaction's
            // every item must pass as well), and to no other item.
            function.Role!.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Actions = [.. writes.Actions],
                Resources = [_table.TableArn],
                Conditions = new Dictionary<string, object>
                {
                    ["ForAllValues:StringLike"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = writes.LeadingKeys.ToArray() },
                },
            }));
        }
        foreach (var objects in access.Objects)
        {
            var bucket = _buckets.Of(objects.Bucket);
            var onObjects = objects.Actions.Where(a => a != "s3:ListBucket").ToArray();
            Allow(function, onObjects, bucket.ArnForObjects($"{objects.Prefix}*"));
            _nag.Accept(DefaultPolicy(function), "AwsSolutions-IAM5", objects.Reason, $"Resource::{NagAcceptances.ArnOf(bucket)}/{objects.Prefix}*");
            if (objects.Actions.Contains("s3:ListBucket"))
            {
                Allow(function, ["s3:ListBucket"], bucket.BucketArn);
            }
        }
        foreach (var secret in declaration.Secrets)
        {
            var stack = Stack.Of(this);
            Allow(function, ["ssm:GetParameter"], $"arn:{stack.Partition}:ssm:{stack.Region}:{stack.Account}:parameter{ParameterName(secret)}");
        }
        foreach (var queue in access.SendsTo)
        {
            _queues[queue].GrantSendMessages(function);
        }
        if (access.InvalidatesCdn)
        {
            var stack = Stack.Of(this);
            Allow(function, ["cloudfront:CreateInvalidation"],
                $"arn:{stack.Partition}:cloudfront::{stack.Account}:distribution/{_site.DistributionId}");
        }
    }

    /// <summary>What starts the function, and why it needs no dead-letter queue of its own where it has none.</summary>
    private void Trigger(FunctionDeclaration declaration, LambdaFunction function, PublicApi api)
    {
        var recovery = declaration.Recovery is null ? "" : $", and {declaration.Recovery}";
        switch (declaration.Trigger)
        {
            case HttpTrigger:
                api.Route(new HttpLambdaIntegration(declaration.ConstructId, function));
                _nag.Accept(function, "Serverless-LambdaDLQ",
                    "API Gateway invokes the API synchronously and gets every failure as an HTTP answer; a dead-letter queue only receives failed asynchronous invocations.");
                break;
            case StreamTrigger stream:
                Subscribe(declaration, function, stream);
                _nag.Accept(function, "Serverless-LambdaDLQ",
                    $"Its stream event source mapping has an on-failure destination (the StreamFailures queue){recovery}; a function dead-letter queue only covers asynchronous invocations.");
                break;
            case QueueTrigger queue:
                if (queue.Source is { } source)
                {
                    _buckets.NotifyOnUpload(source.Bucket, _queues[queue.Queue], source.KeyPrefix);
                }
                function.AddEventSource(new SqsEventSource(_queues[queue.Queue], new SqsEventSourceProps
                {
                    BatchSize = queue.BatchSize,
                    ReportBatchItemFailures = true,
                    MaxConcurrency = queue.MaximumConcurrency,
                }));
                _nag.Accept(function.Node.Children.OfType<EventSourceMapping>().Single(), "Serverless-LambdaEventSourceMappingDestination",
                    $"An SQS event source takes failed messages back to the queue, whose redrive policy moves them to the {queue.Queue} dead-letter queue after {queue.MaxReceiveCount} receives (alarmed); " +
                    (declaration.Recovery ?? "Lambda offers on-failure destinations for stream sources only") + ".");
                _nag.Accept(function, "Serverless-LambdaDLQ",
                    $"Its messages come from an SQS queue with a dead-letter queue after {queue.MaxReceiveCount} receives; a function dead-letter queue only covers asynchronous invocations.");
                break;
            case ScheduleTrigger schedule:
                _scheduleRoles[declaration.Name] = Schedule(declaration, function, schedule);
                _nag.Accept(function, "Serverless-LambdaDLQ",
                    $"A run that fails is followed by the next one{recovery}, so a failed invocation loses nothing a dead-letter queue could keep.");
                break;
            case TopicTrigger topicTrigger:
                var deadLetters = _endOfLine.Single(q => q.Id == $"{topicTrigger.Topic}DeadLetters").Queue;
                var topic = new Topic(this, $"{topicTrigger.Topic}Topic", new TopicProps { DisplayName = $"MyBlog {declaration.Name}", EnforceSSL = true });
                topic.AddSubscription(new LambdaSubscription(function, new LambdaSubscriptionProps { DeadLetterQueue = deadLetters }));
                _topics[topicTrigger.Topic] = topic;
                _nag.Accept(topic, "AwsSolutions-SNS2",
                    "SES publishes bounce and complaint events to this topic, and SES cannot publish to a topic encrypted with the AWS-managed SNS key; the events carry only the addresses SES already holds, and the topic accepts TLS only.");
                _nag.Accept(topic, "Serverless-SNSRedrivePolicy",
                    "Its one subscription (the feedback function) has a dead-letter queue for deliveries SNS gives up on.");
                break;
            case DeployTrigger deploy:
                // Each deploy of a new package rebuilds the site (templates, editor): the package's hash makes a new
                // package an update of the resource.
                Site = new CustomResource(this, "Site", new CustomResourceProps
                {
                    ServiceToken = function.FunctionArn,
                    ResourceType = deploy.ResourceType,
                    Properties = new Dictionary<string, object> { ["Package"] = PackageCode(declaration.Package).Bind(this).S3Location!.ObjectKey },
                });
                // Five minutes, not the default hour, should an answer never come (CloudFormation's ServiceTimeout; CDK 2.160 has no prop).
                ((CfnResource)Site.Node.DefaultChild!).AddPropertyOverride("ServiceTimeout", 300);
                // The rebuild writes the site and invalidates: the role's policy and the distribution must exist first.
                Site.Node.AddDependency(function.Role!);
                _nag.Accept(function, "Serverless-LambdaDLQ",
                    "Only CloudFormation invokes it, once per deploy, and waits for its answer at the response URL: a failure fails (and rolls back) the deploy, which a dead-letter queue could not do better.");
                break;
            default:
                throw new InvalidOperationException($"{declaration.Name}: no stack support for {declaration.Trigger.GetType().Name}.");
        }
    }

    /// <summary>
    /// The one-time schedules <paramref name="function"/> makes for <paramref name="target"/> (a scheduled post's
    /// publication): named after the stack, in the default group, invoking the target through its schedule's role.
    /// </summary>
    private void AllowSchedules(LambdaFunction function, FunctionDeclaration target)
    {
        var stack = Stack.Of(this);
        var role = _scheduleRoles[target.Name];
        var prefix = SchedulePrefix(stack.StackName);
        function.AddEnvironment("Scheduling__TargetArn", this[target].FunctionArn);
        function.AddEnvironment("Scheduling__RoleArn", role.RoleArn);
        function.AddEnvironment("Scheduling__NamePrefix", prefix);
        function.AddEnvironment("Scheduling__DeadLetterArn", ScheduleDeadLetters.QueueArn);
        Allow(function, ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
            $"arn:{stack.Partition}:scheduler:{stack.Region}:{stack.Account}:schedule/default/{prefix}-publish-*");
        function.Role!.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["iam:PassRole"],
            Resources = [role.RoleArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = "scheduler.amazonaws.com" },
            },
        }));
        _nag.Accept(DefaultPolicy(function), "AwsSolutions-IAM5",
            "A scheduled post's one-time schedule is named when the author schedules it ({stack}-publish-{hash of the slug}); the API may manage those schedules of this stack in the default group and no other.",
            $"Resource::arn:<AWS::Partition>:scheduler:{NagText(stack.Region, "AWS::Region")}:{NagText(stack.Account, "AWS::AccountId")}:schedule/default/{prefix}-publish-*");
    }

    /// <summary>One asset per package, shared by the functions that run it (the workers' functions upload one zip).</summary>
    private AssetCode PackageCode(Package package)
    {
        var name = package == Package.Api ? "api" : "workers";
        if (!_packages.TryGetValue(name, out var code))
        {
            var directory = Path.Combine(_settings.PackagesDirectory, name);
            if (!File.Exists(Path.Combine(directory, "bootstrap")))
            {
                // Said before the CDK looks for the asset (it would fail deep in jsii with a stack trace).
                throw new ArgumentException(
                    $"The Lambda packages are not built ({directory} has no bootstrap): run `dotnet run --project MyBlog.Infrastructure -- package` first.");
            }
            _packages[name] = code = Code.FromAsset(directory);
        }
        return code;
    }

    /// <summary>Invocations EventBridge Scheduler could not make, recurring runs and posts' one-time schedules alike.</summary>
    private Queue ScheduleDeadLetters => _scheduleDeadLetters ??= ScheduleDeadLettersQueue();

    private Queue ScheduleDeadLettersQueue()
    {
        var queue = EndOfLineQueue("ScheduleDeadLetters");
        _nag.Accept(queue, "AwsSolutions-SQS3",
            "This queue is itself the end of the line: EventBridge Scheduler's dead-letter queue, kept 14 days and alarmed. A missed recurring run is followed by the next; a post whose schedule failed is published by the recurring run.");
        return queue;
    }

    private Queue? _scheduleDeadLetters;

    /// <summary>A queue nothing receives from: kept 14 days, alarmed on its first message (Monitoring).</summary>
    private Queue EndOfLineQueue(string id)
    {
        var queue = new Queue(this, id, new QueueProps
        {
            RetentionPeriod = Duration.Days(14),
            EnforceSSL = true,
            Encryption = QueueEncryption.SQS_MANAGED,
        });
        _endOfLine.Add((id, queue));
        return queue;
    }

    /// <summary>A function's queue with its settings, and its dead-letter queue after the maximum receive count.</summary>
    private Queue QueueWithDeadLetters(QueueTrigger trigger)
    {
        var name = Pascal(trigger.Queue);
        var deadLetters = EndOfLineQueue($"{name}DeadLetters");
        return new Queue(this, $"{name}Queue", new QueueProps
        {
            VisibilityTimeout = Duration.Seconds(trigger.VisibilityTimeout.TotalSeconds),
            EnforceSSL = true,
            Encryption = QueueEncryption.SQS_MANAGED,
            DeadLetterQueue = new DeadLetterQueue { Queue = deadLetters, MaxReceiveCount = trigger.MaxReceiveCount },
        });
    }

    /// <summary>"newsletter" → "Newsletter": a name as a construct id.</summary>
    public static string Pascal(string name) => string.Concat(name.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    private static void Allow(LambdaFunction function, string[] actions, params string[] resources) =>
        function.Role!.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = actions, Resources = resources }));

    private static IConstruct DefaultPolicy(LambdaFunction function) => function.Role!.Node.FindChild("DefaultPolicy");

    /// <summary>
    /// A recurring EventBridge Scheduler schedule invoking the function with its input (the adapter passes it to the
    /// function's path). A run the function is too busy for is dropped, not retried: the next one comes.
    /// </summary>
    /// <returns>The role EventBridge Scheduler takes to invoke the function (one-time schedules use it too).</returns>
    private Role Schedule(FunctionDeclaration declaration, LambdaFunction function, ScheduleTrigger schedule)
    {
        var role = new Role(this, $"{declaration.ConstructId}ScheduleRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("scheduler.amazonaws.com", new ServicePrincipalOpts
            {
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(this).Account },
                },
            }),
            Description = $"EventBridge Scheduler invoking MyBlog {declaration.Name}",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["lambda:InvokeFunction"], Resources = [function.FunctionArn] }));
        // An invocation Scheduler could not make goes to the alarmed queue instead of vanishing.
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["sqs:SendMessage"], Resources = [ScheduleDeadLetters.QueueArn] }));
        var minutes = (int)schedule.Rate.TotalMinutes;
        _ = new CfnSchedule(this, $"{declaration.ConstructId}Schedule", new CfnScheduleProps
        {
            Description = $"MyBlog {declaration.Name}",
            ScheduleExpression = $"rate({minutes} minute{(minutes == 1 ? "" : "s")})",
            FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
            Target = new CfnSchedule.TargetProperty
            {
                Arn = function.FunctionArn,
                RoleArn = role.RoleArn,
                Input = declaration.ScheduleInput,
                // A run older than its interval is worth nothing: the next one is due.
                RetryPolicy = new CfnSchedule.RetryPolicyProperty { MaximumRetryAttempts = 0, MaximumEventAgeInSeconds = Math.Max(60, minutes * 60) },
                DeadLetterConfig = new CfnSchedule.DeadLetterConfigProperty { Arn = ScheduleDeadLetters.QueueArn },
            },
        });
        return role;
    }

    /// <summary>A stack property as cdk-nag prints it in a finding: its value, or the pseudo parameter it stands for.</summary>
    private static string NagText(string value, string pseudoParameter) => Token.IsUnresolved(value) ? $"<{pseudoParameter}>" : value;

    /// <summary>
    /// What the stack's one-time schedules are named from: the stack's name, so two blogs in one account do not
    /// share them, short enough that "{prefix}-publish-{32 hex}" fits Scheduler's 64 characters.
    /// </summary>
    public static string SchedulePrefix(string stackName) => stackName.Length <= 20 ? stackName : stackName[..20];

    /// <summary>A stream trigger as an event source mapping, with the filters and limits LocalAws applies.</summary>
    private void Subscribe(FunctionDeclaration declaration, LambdaFunction function, StreamTrigger stream)
    {
        var streamArn = _table.TableStreamArn ?? throw new InvalidOperationException("The table has no stream.");
        // Stream reads without CDK's grant, which adds dynamodb:ListStreams on every resource.
        Allow(function, ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], streamArn);
        Allow(function, ["dynamodb:ListStreams"], $"{_table.TableArn}/stream/*");
        _nag.Accept(DefaultPolicy(function), "AwsSolutions-IAM5",
            "dynamodb:ListStreams names this table's streams by the table/{name}/stream/* form, the narrowest IAM allows for it (the stream's label is made when the table is); every other stream read names the one stream ARN.",
            $"Resource::{_tableArnForNag}/stream/*");
        _ = new EventSourceMapping(this, $"{declaration.Name}-stream", new EventSourceMappingProps
        {
            Target = function,
            EventSourceArn = streamArn,
            StartingPosition = StartingPosition.LATEST,
            BatchSize = stream.BatchSize,
            MaxBatchingWindow = stream.MaximumBatchingWindow > TimeSpan.Zero ? Duration.Seconds(Math.Ceiling(stream.MaximumBatchingWindow.TotalSeconds)) : null,
            BisectBatchOnError = stream.BisectBatchOnFunctionError,
            RetryAttempts = stream.MaximumRetryAttempts,
            ReportBatchItemFailures = true,
            OnFailure = new SqsDlq(StreamFailures),
            Filters = stream.FilterPatterns.Select(pattern => (IDictionary<string, object>)new Dictionary<string, object> { ["pattern"] = pattern }).ToArray(),
        });
    }
}
