using System.Net;
using System.Text.Json.Nodes;
using MyBlog.Aws.Functions;
using MyBlog.Core.Storage;

namespace MyBlog.LocalAws.Queues;

/// <summary>
/// S3 event notifications, locally: the S3 emulator POSTs each event here and each queue whose function takes that
/// bucket's events under the key's prefix receives it as an SQS message, as S3 → SQS does on AWS. The records are first put in AWS's shape (s3rver's
/// differ): the object key URL-encoded as S3 encodes it (a space as <c>+</c>, non-ASCII as percent-encoded UTF-8),
/// the bucket ARN, the region.
/// </summary>
public static class S3NotificationsApi
{
    public const string Path = "/s3/events";

    public static IEndpointRouteBuilder MapS3NotificationsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, Receive)
            .WithName("S3Notifications")
            .WithSummary("An S3 event from the emulator → an SQS message on each matching queue.");
        return app;
    }

    public static IResult Receive(JsonObject s3Event, LocalQueues queues, IConfiguration configuration, ILogger<LocalQueues> logger)
    {
        if (s3Event["Records"] is not JsonArray records)
        {
            return TypedResults.Problem(statusCode: 400, title: "Not an S3 event", detail: "The body has no Records array.");
        }
        var region = configuration["Aws:Region"] ?? "us-east-1";
        var queued = 0;
        foreach (var record in records.OfType<JsonObject>())
        {
            var bucket = record["s3"]?["bucket"]?["name"]?.GetValue<string>();
            var key = record["s3"]?["object"]?["key"]?.GetValue<string>();
            var eventName = record["eventName"]?.GetValue<string>() ?? "";
            if (bucket is null || key is null)
            {
                continue;
            }
            foreach (var (_, trigger) in AwsFunctions.Triggered<QueueTrigger>().Where(f => f.Trigger.Source is { } source
                         && BucketName(source.Bucket) == bucket && key.StartsWith(source.KeyPrefix, StringComparison.Ordinal)
                         && eventName.StartsWith("ObjectCreated:", StringComparison.Ordinal)))
            {
                var message = new JsonObject { ["Records"] = new JsonArray(ToAwsShape(record, region, key, bucket)) };
                var id = queues[trigger.Queue].Send(message.ToJsonString());
                logger.LogInformation("s3://{Bucket}/{Key} {Event} → {Queue} as {MessageId}", bucket, key, eventName, queues[trigger.Queue].Name, id);
                queued++;
            }
        }
        return TypedResults.Accepted((string?)null, new { queued });
    }

    /// <summary>The emulator's bucket of each role.</summary>
    public static string BucketName(BucketRole role) => role switch
    {
        BucketRole.Site => MyBlogBuckets.Site,
        BucketRole.Uploads => MyBlogBuckets.Uploads,
        BucketRole.Media => MyBlogBuckets.Media,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>S3's own encoding of keys in notifications: each path segment form-encoded, slashes kept.</summary>
    public static string EncodeKey(string key) => string.Join('/', key.Split('/').Select(WebUtility.UrlEncode));

    private static JsonObject ToAwsShape(JsonObject record, string region, string key, string bucket)
    {
        var aws = (JsonObject)record.DeepClone();
        aws["eventVersion"] = "2.1";
        aws["awsRegion"] = region;
        aws["s3"]!["bucket"]!["arn"] = $"arn:aws:s3:::{bucket}";
        aws["s3"]!["object"]!["key"] = EncodeKey(key);
        return aws;
    }
}
