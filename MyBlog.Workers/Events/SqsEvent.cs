using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MyBlog.Workers.Events;

/// <summary>The SQS event Lambda delivers (and MyBlog.LocalAws imitates); AWS's documented JSON shape.</summary>
public sealed record SqsEvent(IReadOnlyList<SqsMessage>? Records);

public sealed record SqsMessage(
    string? MessageId,
    string? ReceiptHandle,
    string? Body,
    Dictionary<string, string>? Attributes,
    string? EventSource,
    string? EventSourceARN,
    string? AwsRegion);

/// <summary>
/// An S3 event notification, as found in an SQS message body. S3 also sends a one-off <c>s3:TestEvent</c> when a
/// notification is configured; it has no records.
/// </summary>
public sealed record S3EventNotification(IReadOnlyList<S3EventRecord>? Records, [property: JsonPropertyName("Event")] string? Event)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public bool IsTestEvent => Event == "s3:TestEvent";

    /// <summary>The notification in a message body, or null when the body is not one.</summary>
    public static S3EventNotification? TryParse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }
        try
        {
            var notification = JsonSerializer.Deserialize<S3EventNotification>(body, Json);
            return notification is { Records: not null } || notification?.IsTestEvent == true ? notification : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public sealed record S3EventRecord(string? EventName, string? EventSource, S3Entity? S3);

public sealed record S3Entity(S3BucketEntity? Bucket, S3ObjectEntity? Object);

public sealed record S3BucketEntity(string? Name);

public sealed record S3ObjectEntity(string? Key, long? Size, string? ETag, string? Sequencer)
{
    /// <summary>
    /// S3 URL-encodes keys in event notifications the way HTML forms do: a space is <c>+</c>, a real plus is
    /// <c>%2B</c>, non-ASCII is percent-encoded UTF-8.
    /// </summary>
    public static string DecodeKey(string key) => WebUtility.UrlDecode(key);
}
