using System.Diagnostics;
using System.Text.Json;

namespace MyBlog.Workers.Events;

/// <summary>
/// The DynamoDB Streams event Lambda delivers (and MyBlog.LocalAws imitates); AWS's documented JSON shape.
/// Attribute values stay as raw JSON (<c>{"S": "…"}</c>) and are read with <see cref="StreamImage"/>.
/// </summary>
public sealed record DynamoDbStreamEvent(IReadOnlyList<DynamoDbStreamRecord>? Records);

public sealed record DynamoDbStreamRecord(
    string? EventID,
    string? EventName,
    string? EventSource,
    string? AwsRegion,
    string? EventSourceARN,
    StreamRecordData? Dynamodb);

public sealed record StreamRecordData(
    Dictionary<string, JsonElement>? Keys,
    Dictionary<string, JsonElement>? NewImage,
    Dictionary<string, JsonElement>? OldImage,
    string? SequenceNumber,
    string? StreamViewType);

/// <summary>Reads typed values out of a stream image (DynamoDB's attribute-value JSON).</summary>
public static class StreamImage
{
    public static string? GetString(this IReadOnlyDictionary<string, JsonElement>? image, string name) =>
        image is not null
        && image.TryGetValue(name, out var value)
        && value.ValueKind == JsonValueKind.Object
        && value.TryGetProperty("S", out var s)
        && s.ValueKind == JsonValueKind.String
            ? s.GetString()
            : null;

    /// <summary>The W3C trace context the API stored on the item, so the worker's spans join the reader's trace.</summary>
    public static ActivityContext? TraceContext(this IReadOnlyDictionary<string, JsonElement>? image) =>
        ActivityContext.TryParse(image.GetString("traceparent"), null, isRemote: true, out var context) ? context : null;
}

/// <summary>The partial-batch answer Lambda understands: the records to retry (streams: SequenceNumber; SQS: messageId).</summary>
public sealed record BatchResponse(IReadOnlyList<BatchItemFailure> BatchItemFailures)
{
    public static BatchResponse From(IEnumerable<string> failedIds) => new(failedIds.Select(id => new BatchItemFailure(id)).ToList());
}

public sealed record BatchItemFailure(string ItemIdentifier);
