namespace MyBlog.Aws.Functions;

/// <summary>Which build a function runs: the API's (Native AOT) or the workers' (one package, one handler per function).</summary>
public enum Package
{
    Api,
    Workers,
}

/// <summary>
/// One function, declared once: what starts it, where its package's Lambda Web Adapter passes the event, how big it
/// is, and everything it may touch. The workers' host composes the handler it names (<c>Workers:Handler</c>),
/// LocalAws emulates its trigger, the CDK stack makes the function, its role, its trigger and its alarms from it, and
/// the tests hold all of them to it (<see cref="AwsFunctions.All"/>).
/// </summary>
/// <param name="Name">Its short name: the handler's name, the function's, and (PascalCased) the stack's construct id.</param>
/// <param name="Path">The endpoint the Lambda Web Adapter posts the event to (AWS_LWA_PASS_THROUGH_PATH).</param>
/// <param name="Settings">Configuration it always runs with (a budget sized to its timeout, say), as key → value.</param>
/// <param name="Recovery">What else delivers its work when an invocation fails for good (the reason it needs no dead-letter queue of its own).</param>
public sealed record FunctionDeclaration(
    string Name,
    Package Package,
    string Path,
    Trigger Trigger,
    Access Access,
    int MemoryMb = 512,
    TimeSpan? Timeout = null,
    int? EphemeralStorageMb = null,
    MailShare? Mail = null,
    IReadOnlyDictionary<string, string>? Settings = null,
    string? Recovery = null)
{
    /// <summary>How long one invocation may run (Lambda's timeout).</summary>
    public TimeSpan FunctionTimeout => Timeout ?? TimeSpan.FromSeconds(60);

    /// <summary>The stack's construct id: "welcome-mail" → "WelcomeMail".</summary>
    public string ConstructId => string.Concat(Name.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    /// <summary>What its recurring schedule delivers (the adapter posts it to <see cref="Path"/>): it names itself.</summary>
    public string ScheduleInput => $$"""{"schedule":"{{Name}}"}""";

    /// <summary>The secrets it reads (mail needs none: a mail function calls SES with its own role).</summary>
    public IEnumerable<Secret> Secrets => Access.Secrets;

    /// <summary>Its stream subscription, for a function the table's stream feeds.</summary>
    public StreamTrigger Stream => Trigger as StreamTrigger ?? throw new InvalidOperationException($"{Name} is not fed by the stream.");

    /// <summary>Its queue, for a function a queue feeds.</summary>
    public QueueTrigger Queue => Trigger as QueueTrigger ?? throw new InvalidOperationException($"{Name} is not fed by a queue.");

    public IReadOnlyDictionary<string, string> AllSettings => Settings ?? new Dictionary<string, string>();

    public override string ToString() => Name;
}

/// <summary>What starts a function.</summary>
public abstract record Trigger;

/// <summary>Requests through API Gateway's HTTP API (and CloudFront before it).</summary>
public sealed record HttpTrigger : Trigger;

/// <summary>
/// The table's stream, through a Lambda event source mapping: the records any of <paramref name="FilterPatterns"/>
/// matches (Lambda's filter criteria), in batches, retried, on failure to the stack's stream-failures queue.
/// </summary>
public sealed record StreamTrigger(
    IReadOnlyList<string> FilterPatterns,
    int BatchSize,
    TimeSpan MaximumBatchingWindow,
    int MaximumRetryAttempts,
    bool BisectBatchOnFunctionError) : Trigger;

/// <summary>
/// A queue (SQS on AWS, LocalAws's locally) with its dead-letter queue: filled by S3 events of <paramref name="Source"/>,
/// or by MyBlog itself (a function that <see cref="Access.SendsTo"/> it).
/// </summary>
/// <param name="Queue">The queue's name (and, as "myblog-{name}", the local queue's).</param>
/// <param name="VisibilityTimeout">How long a received message stays hidden; AWS asks for six times the function's timeout.</param>
/// <param name="MaxReceiveCount">Receives after which a message moves to the dead-letter queue.</param>
/// <param name="MaximumConcurrency">Batches in flight at once (the mapping's maximum concurrency); null: Lambda's own scaling, one at a time locally.</param>
/// <param name="UrlSetting">The configuration key that gives the queue's URL to the functions that send to it.</param>
public sealed record QueueTrigger(
    string Queue,
    int BatchSize,
    TimeSpan VisibilityTimeout,
    int MaxReceiveCount,
    int? MaximumConcurrency = null,
    BucketEvents? Source = null,
    string? UrlSetting = null) : Trigger;

/// <summary>ObjectCreated events of one bucket's keys under <paramref name="KeyPrefix"/>.</summary>
public sealed record BucketEvents(BucketRole Bucket, string KeyPrefix);

/// <summary>A recurring schedule (EventBridge Scheduler on AWS, LocalAws's timer locally) posting its input.</summary>
/// <param name="Rate">How often; EventBridge Scheduler's finest rate is a minute.</param>
public sealed record ScheduleTrigger(TimeSpan Rate) : Trigger;

/// <summary>Notifications on an SNS topic of the stack's (SES's bounces and complaints); not emulated locally.</summary>
public sealed record TopicTrigger(string Topic) : Trigger;

/// <summary>CloudFormation's custom resource requests, one per deploy; not emulated locally.</summary>
public sealed record DeployTrigger(string ResourceType) : Trigger;

/// <summary>The stack's buckets by what they hold (their names are the stack's, or the emulator's).</summary>
public enum BucketRole
{
    Site,
    Uploads,
    Media,
}

/// <summary>The secrets a function reads at start (Parameter Store on AWS; named in Secrets__*, never in the environment).</summary>
public enum Secret
{
    SetupCode,
    OriginSecret,
    LinkKey,
    IdKey,
}

public static class SecretKeys
{
    /// <summary>The configuration key a secret's value is read into (the parameter's name goes in Secrets:{key}).</summary>
    public static string ConfigurationKey(this Secret secret) => secret switch
    {
        Secret.SetupCode => "Admin:SetupCode",
        Secret.OriginSecret => "Edge:OriginSecret",
        Secret.LinkKey => "Subscribers:LinkKey",
        Secret.IdKey => "Subscribers:IdKey",
        _ => throw new ArgumentOutOfRangeException(nameof(secret)),
    };
}

/// <summary>
/// What a function may touch, and nothing else: the table (reads; writes only to the items of the key prefixes it
/// owns), objects of the buckets under a prefix, the secrets it reads, the queues it sends to.
/// </summary>
public sealed record Access
{
    public TableAccess Table { get; init; } = TableAccess.None;

    public IReadOnlyList<ObjectAccess> Objects { get; init; } = [];

    public IReadOnlyList<Secret> Secrets { get; init; } = [];

    /// <summary>Queues (by <see cref="QueueTrigger.Queue"/>) it sends messages to.</summary>
    public IReadOnlyList<string> SendsTo { get; init; } = [];

    /// <summary>Invalidates the CloudFront distribution (the publisher).</summary>
    public bool InvalidatesCdn { get; init; }

    /// <summary>Manages posts' one-time EventBridge schedules, which invoke the named function (the API, for publish-due).</summary>
    public string? SchedulesFunction { get; init; }

    public static Access None { get; } = new();
}

/// <summary>
/// What a function may do to the table: <paramref name="Reads"/> (GetItem, BatchGetItem, Query, Scan — a function that
/// queries may query the one list index too, never every index) and writes only to the items its
/// <paramref name="Writes"/> name.
/// </summary>
public sealed record TableAccess(IReadOnlyList<string> Reads, IReadOnlyList<TableWrites> Writes)
{
    public const string GetItem = "dynamodb:GetItem";
    public const string BatchGetItem = "dynamodb:BatchGetItem";
    public const string Query = "dynamodb:Query";
    public const string Scan = "dynamodb:Scan";

    public static TableAccess None { get; } = new([], []);

    public bool QueriesListIndex => Reads.Contains(Query);

    /// <summary>Whether it queries the directory index too (the author's list of subscribers and the newsletter jobs).</summary>
    public bool QueriesDirectoryIndex { get; init; }
}

/// <summary>
/// Writes (<paramref name="Actions"/>: PutItem, UpdateItem, DeleteItem) to the items whose partition key is one of
/// <paramref name="Keys"/>: a prefix ending in <c>#</c> covers every key that starts with it, anything else is one key.
/// IAM enforces it (dynamodb:LeadingKeys), for every item of a transaction as well.
/// </summary>
public sealed record TableWrites(IReadOnlyList<string> Actions, IReadOnlyList<string> Keys)
{
    public const string Put = "dynamodb:PutItem";
    public const string Update = "dynamodb:UpdateItem";
    public const string Delete = "dynamodb:DeleteItem";

    /// <summary>A transaction's condition on an item it does not write (IAM checks it as an action of its own).</summary>
    public const string ConditionCheck = "dynamodb:ConditionCheckItem";

    public static TableWrites All(params string[] keys) => new([Put, Update, Delete], keys);

    public static TableWrites Updates(params string[] keys) => new([Update], keys);

    /// <summary>The IAM condition's values: "POST#*" for a prefix, the key itself otherwise.</summary>
    public IEnumerable<string> LeadingKeys => Keys.Select(k => k.EndsWith('#') ? k + "*" : k);
}

/// <summary>Actions on one bucket's objects under a prefix ("" for all), with why the prefix is as wide as it is.</summary>
public sealed record ObjectAccess(BucketRole Bucket, string Prefix, IReadOnlyList<string> Actions, string Reason);

/// <summary>
/// A function that sends mail: its share of SES's account-wide send rate, split between the instances it may run at
/// once (its reserved concurrency), so that every sender together stays under the account's rate.
/// </summary>
public sealed record MailShare(double ShareOfSendRate, int Instances)
{
    /// <summary>Messages a second one instance may send, for an account allowing <paramref name="sendRate"/>.</summary>
    public double PerInstance(double sendRate) => sendRate * ShareOfSendRate / Instances;
}
