namespace MyBlog.Core;

/// <summary>
/// A worker's subscription to the table's stream, with Lambda event source mapping settings. The CDK stack
/// creates these mappings on AWS; MyBlog.LocalAws runs them locally with the same filters and limits.
/// </summary>
/// <param name="Name">The worker function's short name.</param>
/// <param name="Path">The Workers endpoint the Lambda Web Adapter passes the event to (AWS_LWA_PASS_THROUGH_PATH).</param>
/// <param name="FilterPatterns">Lambda filter criteria: a record reaches the worker when any pattern matches.</param>
public sealed record StreamSubscription(
    string Name,
    string Path,
    IReadOnlyList<string> FilterPatterns,
    int BatchSize,
    TimeSpan MaximumBatchingWindow,
    int MaximumRetryAttempts,
    bool BisectBatchOnFunctionError);

public static class StreamSubscriptions
{
    /// <summary>A subscriber item was created: the only event that may lead to a welcome email.</summary>
    public const string NewSubscriberFilter =
        """{"eventName":["INSERT"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"SUBSCRIBER#"}]}}}}""";

    public static readonly StreamSubscription WelcomeMail = new(
        Name: "welcome-mail",
        Path: "/events/welcome-mail",
        FilterPatterns: [NewSubscriberFilter],
        BatchSize: 10,
        // A welcome email should not wait for company: deliver as soon as a record arrives.
        MaximumBatchingWindow: TimeSpan.Zero,
        MaximumRetryAttempts: 10,
        BisectBatchOnFunctionError: true);

    /// <summary>A post that is, or was, published changed: its page and the lists may need rewriting.</summary>
    public const string PublishedPostFilter =
        """{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"POST#"}]}},"NewImage":{"status":{"S":["published"]}}}}""";

    public const string UnpublishedPostFilter =
        """{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"POST#"}]}},"OldImage":{"status":{"S":["published"]}}}}""";

    public static readonly StreamSubscription Publish = new(
        Name: "publish",
        Path: "/events/publish",
        FilterPatterns: [PublishedPostFilter, UnpublishedPostFilter],
        BatchSize: 100,
        // A burst of edits is published as one site update. Lambda counts the window in whole seconds.
        MaximumBatchingWindow: TimeSpan.FromSeconds(1),
        MaximumRetryAttempts: 10,
        BisectBatchOnFunctionError: false);

    public static IReadOnlyList<StreamSubscription> All { get; } = [WelcomeMail, Publish];
}
