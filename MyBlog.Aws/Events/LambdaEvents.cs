using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MyBlog.Aws.Events;

// The events Lambda delivers to the workers — DynamoDB stream records, SQS messages, S3 notifications in SQS bodies,
// SNS notifications with SES's bounces and complaints —
// and the partial-batch answer it reads back, in AWS's documented JSON shapes. Defined once: the workers read them,
// LocalAws writes them as Lambda would, the tests build them.

/// <summary>A DynamoDB Streams event: up to a batch of records from one shard.</summary>
public sealed record DynamoDbStreamEvent([property: JsonPropertyName(LambdaEvents.Records)] IReadOnlyList<DynamoDbStreamRecord>? Records);

public sealed record DynamoDbStreamRecord(
    [property: JsonPropertyName("eventID")] string? EventID,
    [property: JsonPropertyName("eventName")] string? EventName,
    [property: JsonPropertyName("eventSource")] string? EventSource,
    [property: JsonPropertyName("awsRegion")] string? AwsRegion,
    [property: JsonPropertyName(DynamoDbStreamRecord.EventSourceArnProperty)] string? EventSourceARN,
    [property: JsonPropertyName(DynamoDbStreamRecord.DynamodbProperty)] StreamRecordData? Dynamodb,
    [property: JsonPropertyName("eventVersion")] string? EventVersion = "1.1")
{
    public const string EventSourceArnProperty = "eventSourceARN";
    public const string DynamodbProperty = "dynamodb";

    /// <summary>A record as the stream carries it for an item written by MyBlog (tests; LocalAws passes the stream's own).</summary>
    public static DynamoDbStreamRecord Of(string eventName, string sequenceNumber, IReadOnlyDictionary<string, JsonElement> keys,
        IReadOnlyDictionary<string, JsonElement>? newImage, IReadOnlyDictionary<string, JsonElement>? oldImage, string streamArn, string region) =>
        new(Guid.NewGuid().ToString("N"), eventName, "aws:dynamodb", region, streamArn,
            new StreamRecordData(keys.ToDictionary(), newImage?.ToDictionary(), oldImage?.ToDictionary(), sequenceNumber, "NEW_AND_OLD_IMAGES"));

    /// <summary>The record's sequence number in a record kept as JSON (LocalAws keeps the stream's own records).</summary>
    public static string? SequenceNumberOf(JsonObject record) => record[DynamodbProperty]?[StreamRecordData.SequenceNumberProperty]?.GetValue<string>();

    /// <summary>The new image's <c>traceparent</c> in a record kept as JSON.</summary>
    public static string? TraceParentOf(JsonObject record) => record[DynamodbProperty]?["NewImage"]?[StreamImage.TraceParent]?["S"]?.GetValue<string>();
}

/// <summary>The <c>dynamodb</c> part of a stream record (PascalCase, as DynamoDB Streams writes it).</summary>
public sealed record StreamRecordData(
    Dictionary<string, JsonElement>? Keys,
    Dictionary<string, JsonElement>? NewImage,
    Dictionary<string, JsonElement>? OldImage,
    [property: JsonPropertyName(StreamRecordData.SequenceNumberProperty)] string? SequenceNumber,
    string? StreamViewType)
{
    public const string SequenceNumberProperty = "SequenceNumber";
}

/// <summary>Reads and writes values in a stream image (DynamoDB's attribute-value JSON, <c>{"S": "…"}</c>).</summary>
public static class StreamImage
{
    public const string TraceParent = "traceparent";

    public static string? GetString(this IReadOnlyDictionary<string, JsonElement>? image, string name) =>
        image is not null
        && image.TryGetValue(name, out var value)
        && value.ValueKind == JsonValueKind.Object
        && value.TryGetProperty("S", out var s)
        && s.ValueKind == JsonValueKind.String
            ? s.GetString()
            : null;

    /// <summary>A string set attribute's members (empty when absent or of another type).</summary>
    public static IReadOnlyList<string> GetStringSet(this IReadOnlyDictionary<string, JsonElement>? image, string name) =>
        image is not null
        && image.TryGetValue(name, out var value)
        && value.ValueKind == JsonValueKind.Object
        && value.TryGetProperty("SS", out var set)
        && set.ValueKind == JsonValueKind.Array
            ? [.. set.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)]
            : [];

    /// <summary>The W3C trace context the API stored on the item, so the worker's spans join the reader's trace.</summary>
    public static ActivityContext? TraceContext(this IReadOnlyDictionary<string, JsonElement>? image) =>
        ActivityContext.TryParse(image.GetString(TraceParent), null, isRemote: true, out var context) ? context : null;

    /// <summary>An image of string attributes (tests build stream records with it).</summary>
    public static Dictionary<string, JsonElement> Strings(params (string Name, string Value)[] attributes) =>
        attributes.ToDictionary(a => a.Name, a => JsonSerializer.SerializeToElement(
            new Dictionary<string, string> { ["S"] = a.Value }, LambdaEventJson.Default.DictionaryStringString));
}

/// <summary>An SQS event: up to a batch of messages from one queue.</summary>
public sealed record SqsEvent([property: JsonPropertyName(LambdaEvents.Records)] IReadOnlyList<SqsMessage>? Records);

public sealed record SqsMessage(
    [property: JsonPropertyName(SqsMessage.MessageIdProperty)] string? MessageId,
    [property: JsonPropertyName("receiptHandle")] string? ReceiptHandle,
    [property: JsonPropertyName("body")] string? Body,
    [property: JsonPropertyName("attributes")] Dictionary<string, string>? Attributes,
    [property: JsonPropertyName("eventSource")] string? EventSource,
    [property: JsonPropertyName("eventSourceARN")] string? EventSourceARN,
    [property: JsonPropertyName("awsRegion")] string? AwsRegion,
    [property: JsonPropertyName("md5OfBody")] string? Md5OfBody = null,
    [property: JsonPropertyName("messageAttributes")] Dictionary<string, JsonElement>? MessageAttributes = null)
{
    public const string MessageIdProperty = "messageId";
    public const string ReceiveCountAttribute = "ApproximateReceiveCount";

    /// <summary>A message as Lambda's SQS poller hands it over after a receive.</summary>
    public static SqsMessage Received(string messageId, string receiptHandle, string body, string md5OfBody, int receiveCount,
        DateTimeOffset sentAt, DateTimeOffset firstReceivedAt, string senderId, string queueArn, string region) =>
        new(messageId, receiptHandle, body, new Dictionary<string, string>
        {
            [ReceiveCountAttribute] = receiveCount.ToString(CultureInfo.InvariantCulture),
            ["SentTimestamp"] = sentAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            ["SenderId"] = senderId,
            ["ApproximateFirstReceiveTimestamp"] = firstReceivedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        }, "aws:sqs", queueArn, region, md5OfBody, []);

    /// <summary>How many times SQS has handed this message out (1 on the first delivery).</summary>
    [JsonIgnore]
    public int ReceiveCount => Attributes?.GetValueOrDefault(ReceiveCountAttribute) is { } count && int.TryParse(count, CultureInfo.InvariantCulture, out var n) ? n : 1;

    /// <summary>The message id in a record kept as JSON.</summary>
    public static string? MessageIdOf(JsonObject record) => record[MessageIdProperty]?.GetValue<string>();
}

/// <summary>
/// An S3 event notification, as found in an SQS message body. S3 also sends a one-off <c>s3:TestEvent</c> when a
/// notification is configured; it has no records.
/// </summary>
public sealed record S3EventNotification(
    [property: JsonPropertyName(LambdaEvents.Records)] IReadOnlyList<S3EventRecord>? Records,
    [property: JsonPropertyName("Event")] string? Event)
{
    [JsonIgnore]
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
            var notification = JsonSerializer.Deserialize(body, LambdaEventJson.Default.S3EventNotification);
            return notification is { Records: not null } || notification?.IsTestEvent == true ? notification : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public sealed record S3EventRecord(
    [property: JsonPropertyName("eventName")] string? EventName,
    [property: JsonPropertyName("eventSource")] string? EventSource,
    [property: JsonPropertyName("s3")] S3Entity? S3);

public sealed record S3Entity([property: JsonPropertyName("bucket")] S3BucketEntity? Bucket, [property: JsonPropertyName("object")] S3ObjectEntity? Object);

public sealed record S3BucketEntity([property: JsonPropertyName("name")] string? Name);

public sealed record S3ObjectEntity(
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("size")] long? Size,
    [property: JsonPropertyName("eTag")] string? ETag,
    [property: JsonPropertyName("sequencer")] string? Sequencer)
{
    /// <summary>
    /// S3 URL-encodes keys in event notifications the way HTML forms do: a space is <c>+</c>, a real plus is
    /// <c>%2B</c>, non-ASCII is percent-encoded UTF-8.
    /// </summary>
    public static string DecodeKey(string key) => WebUtility.UrlDecode(key);
}

/// <summary>An SNS event: Lambda delivers one notification per record.</summary>
public sealed record SnsEvent([property: JsonPropertyName(LambdaEvents.Records)] IReadOnlyList<SnsRecord>? Records);

public sealed record SnsRecord(
    [property: JsonPropertyName("EventSource")] string? EventSource,
    [property: JsonPropertyName("EventVersion")] string? EventVersion,
    [property: JsonPropertyName("EventSubscriptionArn")] string? EventSubscriptionArn,
    [property: JsonPropertyName("Sns")] SnsMessage? Sns);

public sealed record SnsMessage(
    [property: JsonPropertyName("Type")] string? Type,
    [property: JsonPropertyName("MessageId")] string? MessageId,
    [property: JsonPropertyName("TopicArn")] string? TopicArn,
    [property: JsonPropertyName("Subject")] string? Subject,
    [property: JsonPropertyName("Message")] string? Message,
    [property: JsonPropertyName("Timestamp")] string? Timestamp);

/// <summary>
/// What SES publishes about a sent message (the configuration set's event destination: <c>eventType</c>; an
/// identity's feedback notifications: <c>notificationType</c>). Only bounces and complaints matter here.
/// </summary>
public sealed record SesNotification(
    [property: JsonPropertyName("eventType")] string? EventType,
    [property: JsonPropertyName("notificationType")] string? NotificationType,
    [property: JsonPropertyName("bounce")] SesBounce? Bounce,
    [property: JsonPropertyName("complaint")] SesComplaint? Complaint)
{
    [JsonIgnore]
    public string? Kind => EventType ?? NotificationType;

    /// <summary>The notification in an SNS message, or null when the message is not one.</summary>
    public static SesNotification? TryParse(string? message)
    {
        try
        {
            return message is null ? null : JsonSerializer.Deserialize(message, LambdaEventJson.Default.SesNotification);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public sealed record SesBounce(
    [property: JsonPropertyName("bounceType")] string? BounceType,
    [property: JsonPropertyName("bounceSubType")] string? BounceSubType,
    [property: JsonPropertyName("bouncedRecipients")] IReadOnlyList<SesRecipient>? BouncedRecipients);

public sealed record SesComplaint(
    [property: JsonPropertyName("complaintFeedbackType")] string? ComplaintFeedbackType,
    [property: JsonPropertyName("complainedRecipients")] IReadOnlyList<SesRecipient>? ComplainedRecipients);

public sealed record SesRecipient(
    [property: JsonPropertyName("emailAddress")] string? EmailAddress,
    [property: JsonPropertyName("diagnosticCode")] string? DiagnosticCode = null);

/// <summary>The partial-batch answer Lambda understands: the records to retry (streams: SequenceNumber; SQS: messageId).</summary>
public sealed record BatchResponse([property: JsonPropertyName("batchItemFailures")] IReadOnlyList<BatchItemFailure>? BatchItemFailures)
{
    public static BatchResponse From(IEnumerable<string> failedIds) => new(failedIds.Select(id => new BatchItemFailure(id)).ToList());
}

public sealed record BatchItemFailure([property: JsonPropertyName("itemIdentifier")] string? ItemIdentifier);

public static class LambdaEvents
{
    public const string Records = "Records";

    /// <summary>The event around records kept as JSON (LocalAws passes the stream's own records through).</summary>
    public static JsonObject Envelope(IEnumerable<JsonObject> records) =>
        new() { [Records] = new JsonArray(records.Select(r => (JsonNode)r.DeepClone()).ToArray()) };

    public static string Serialize(DynamoDbStreamEvent streamEvent) => JsonSerializer.Serialize(streamEvent, LambdaEventJson.Default.DynamoDbStreamEvent);

    public static string Serialize(SqsEvent sqsEvent) => JsonSerializer.Serialize(sqsEvent, LambdaEventJson.Default.SqsEvent);

    public static string Serialize(SnsEvent snsEvent) => JsonSerializer.Serialize(snsEvent, LambdaEventJson.Default.SnsEvent);

    /// <summary>A record as JSON (LocalAws's delivery code handles records as JSON, as its filters need).</summary>
    public static JsonObject ToJson(SqsMessage message) => JsonSerializer.SerializeToNode(message, LambdaEventJson.Default.SqsMessage)!.AsObject();

    public static JsonObject ToJson(DynamoDbStreamRecord record) => JsonSerializer.SerializeToNode(record, LambdaEventJson.Default.DynamoDbStreamRecord)!.AsObject();

    /// <summary>A function's answer: null when it is empty; a <see cref="JsonException"/> when it is not JSON.</summary>
    public static BatchResponse? ReadResponse(string text) =>
        string.IsNullOrWhiteSpace(text) ? null : JsonSerializer.Deserialize(text, LambdaEventJson.Default.BatchResponse);
}

/// <summary>The events' JSON code, generated (AWS's own property names; reading ignores case, as the workers always did).</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DynamoDbStreamEvent))]
[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(SqsMessage))]
[JsonSerializable(typeof(DynamoDbStreamRecord))]
[JsonSerializable(typeof(S3EventNotification))]
[JsonSerializable(typeof(BatchResponse))]
[JsonSerializable(typeof(SnsEvent))]
[JsonSerializable(typeof(SesNotification))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class LambdaEventJson : JsonSerializerContext;
