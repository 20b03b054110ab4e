namespace MyBlog.LocalAws.Delivery;

/// <summary>
/// One stream → function subscription, with the settings Lambda's event source mapping has (names as in
/// CloudFormation's AWS::Lambda::EventSourceMapping). Bound from "LocalAws:StreamMappings".
/// </summary>
public sealed class EventSourceMappingOptions
{
    public required string Name { get; set; }

    /// <summary>The Workers path the Lambda Web Adapter would POST to (AWS_LWA_PASS_THROUGH_PATH).</summary>
    public required string Path { get; set; }

    /// <summary>Lambda filter patterns; a record is delivered when any matches. None: every record.</summary>
    public List<string> FilterPatterns { get; set; } = [];

    public int BatchSize { get; set; } = 10;

    public TimeSpan MaximumBatchingWindow { get; set; } = TimeSpan.Zero;

    /// <summary>Retries after the first attempt before the batch goes to the on-failure destination.</summary>
    public int MaximumRetryAttempts { get; set; } = 10;

    public bool BisectBatchOnFunctionError { get; set; } = true;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaximumBackoff { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>How long one invocation may run before it counts as a function error (Lambda's timeout).</summary>
    public TimeSpan FunctionTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>How LocalAws polls DynamoDB Streams. Lambda polls each shard about four times a second.</summary>
public sealed class LocalAwsOptions
{
    public const string Section = "LocalAws";

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Where failed batches are written, one JSON file each (the local on-failure destination).</summary>
    public string? FailuresDirectory { get; set; }

    /// <summary>
    /// Where LocalAws keeps what must outlive a restart when the local data does (the stream mappings' positions);
    /// none: everything starts afresh, as the in-memory table does.
    /// </summary>
    public string? StateDirectory { get; set; }

    public List<EventSourceMappingOptions> StreamMappings { get; set; } = [];
}
