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
    /// <summary>
    /// A subscriber became owed a welcome: created (with the welcome owed), or subscribing again (a change that adds
    /// <c>welcomeDueAt</c>). Claims, retries and the send itself change an item that already had it, so they never
    /// come back here: only a new debt is delivered, and exactly once per debt as far as the filter is concerned.
    /// </summary>
    public const string NewSubscriberFilter =
        """{"eventName":["INSERT"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"SUBSCRIBER#"}]}},"NewImage":{"welcomeDueAt":{"N":[{"exists":true}]}}}}""";

    public const string WelcomeOwedAgainFilter =
        """{"eventName":["MODIFY"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"SUBSCRIBER#"}]}},"NewImage":{"welcomeDueAt":{"N":[{"exists":true}]}},"OldImage":{"welcomeDueAt":{"N":[{"exists":false}]}}}}""";

    public static readonly StreamSubscription WelcomeMail = new(
        Name: "welcome-mail",
        Path: "/events/welcome-mail",
        FilterPatterns: [NewSubscriberFilter, WelcomeOwedAgainFilter],
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

    /// <summary>
    /// A photo became ready: the published pages that showed it before (its <c>awaitingPosts</c>) are rendered again
    /// with its variants.
    /// </summary>
    public const string PhotoReadyFilter =
        """{"eventName":["MODIFY"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"PHOTO#"}]}},"NewImage":{"status":{"S":["ready"]}},"OldImage":{"status":{"S":[{"anything-but":["ready"]}]}}}}""";

    public static readonly StreamSubscription Publish = new(
        Name: "publish",
        Path: "/events/publish",
        FilterPatterns: [PublishedPostFilter, UnpublishedPostFilter, PhotoReadyFilter],
        BatchSize: 100,
        // A burst of edits is published as one site update. Lambda counts the window in whole seconds.
        MaximumBatchingWindow: TimeSpan.FromSeconds(1),
        MaximumRetryAttempts: 10,
        BisectBatchOnFunctionError: false);

    /// <summary>A post's newsletter job was created (the post's first publication): queue its recipients, once.</summary>
    public const string NewsletterJobFilter =
        """{"eventName":["INSERT"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"NEWSLETTER#"}]},"sk":{"S":["JOB"]}}}}""";

    /// <summary>The author retried a job that failed (the server refused the message itself): plan it again.</summary>
    public const string NewsletterRetryFilter =
        """{"eventName":["MODIFY"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"NEWSLETTER#"}]},"sk":{"S":["JOB"]}},"NewImage":{"retryRequestedAt":{"S":[{"exists":true}]}},"OldImage":{"retryRequestedAt":{"S":[{"exists":false}]}}}}""";

    public static readonly StreamSubscription NewsletterPlan = new(
        Name: "newsletter-plan",
        Path: "/events/newsletter-plan",
        FilterPatterns: [NewsletterJobFilter, NewsletterRetryFilter],
        BatchSize: 1,
        MaximumBatchingWindow: TimeSpan.Zero,
        MaximumRetryAttempts: 10,
        BisectBatchOnFunctionError: false);

    public static IReadOnlyList<StreamSubscription> All { get; } = [WelcomeMail, Publish, NewsletterPlan];
}
