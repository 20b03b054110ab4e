namespace MyBlog.Core;

/// <summary>
/// A worker fed by an SQS queue — that S3 event notifications land in, or that MyBlog itself sends to — with the
/// queue's and the Lambda event source mapping's settings. The CDK stack creates the queue, its dead-letter queue,
/// the mapping (and the notification) on AWS; MyBlog.LocalAws runs the same flow locally with the same numbers.
/// </summary>
/// <param name="Name">The worker function's short name (and the queue's).</param>
/// <param name="Path">The Workers endpoint the Lambda Web Adapter passes the event to (AWS_LWA_PASS_THROUGH_PATH).</param>
/// <param name="Bucket">The bucket whose ObjectCreated events feed the queue; null for a queue MyBlog sends to.</param>
/// <param name="KeyPrefix">Only objects under this prefix raise events.</param>
/// <param name="VisibilityTimeout">How long a received message stays hidden; AWS asks for at least six times the function timeout.</param>
/// <param name="MaxReceiveCount">Receives after which a message moves to the dead-letter queue.</param>
/// <param name="MaximumConcurrency">Batches in flight at once (the mapping's maximum concurrency); null: Lambda's own scaling on AWS, one at a time locally.</param>
public sealed record QueueSubscription(
    string Name,
    string Path,
    string? Bucket,
    string? KeyPrefix,
    int BatchSize,
    TimeSpan MaximumBatchingWindow,
    TimeSpan FunctionTimeout,
    TimeSpan VisibilityTimeout,
    int MaxReceiveCount,
    int? MaximumConcurrency = null);

public static class QueueSubscriptions
{
    public static readonly QueueSubscription Thumbnails = new(
        Name: "thumbnails",
        Path: "/events/thumbnails",
        Bucket: MyBlogBuckets.Uploads,
        KeyPrefix: "uploads/",
        // Each photo is seconds of CPU; small batches keep one slow photo from holding many others back.
        BatchSize: 5,
        MaximumBatchingWindow: TimeSpan.Zero,
        FunctionTimeout: TimeSpan.FromSeconds(60),
        VisibilityTimeout: TimeSpan.FromMinutes(6),
        MaxReceiveCount: 5);

    /// <summary>
    /// Newsletter batches (<see cref="Newsletter.NewsletterBatch"/>, 50 recipients each) → the sender. One message
    /// per invocation: 50 emails at the function's share of SES's rate take seconds, and a failure retries only them.
    /// </summary>
    public static readonly QueueSubscription Newsletter = new(
        Name: "newsletter",
        Path: "/events/newsletter",
        Bucket: null,
        KeyPrefix: null,
        BatchSize: 1,
        MaximumBatchingWindow: TimeSpan.Zero,
        FunctionTimeout: TimeSpan.FromMinutes(2),
        VisibilityTimeout: TimeSpan.FromMinutes(12),
        MaxReceiveCount: 5,
        // Two senders at once, each at its share of SES's rate (reserved concurrency on AWS, the same cap here).
        MaximumConcurrency: 2);

    /// <summary>
    /// An uploaded blog archive (S3 ObjectCreated under imports/) → the import worker. One archive per invocation:
    /// a thousand posts with their images take minutes, so the function may run Lambda's full 15, and the message
    /// stays hidden six times as long, as AWS asks.
    /// </summary>
    public static readonly QueueSubscription Imports = new(
        Name: "imports",
        Path: "/events/imports",
        Bucket: MyBlogBuckets.Uploads,
        KeyPrefix: MyBlog.Core.Imports.ImportJob.ArchivesPrefix,
        BatchSize: 1,
        MaximumBatchingWindow: TimeSpan.Zero,
        FunctionTimeout: TimeSpan.FromMinutes(15),
        VisibilityTimeout: TimeSpan.FromMinutes(90),
        MaxReceiveCount: 3);

    public static IReadOnlyList<QueueSubscription> All { get; } = [Thumbnails, Newsletter, Imports];
}
