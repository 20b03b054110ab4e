using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;

namespace MyBlog.LocalAws.Streams;

/// <summary>
/// The three DynamoDB Streams calls LocalAws needs (DescribeStream, GetShardIterator, GetRecords), sent as the
/// service's JSON protocol and signed with the SDK's own SigV4 signer (the SDK's streams client is not available).
/// DynamoDB Local does not check signatures, but the requests are signed exactly as AWS would require. Replication
/// also sends DynamoDB's own calls this way (<see cref="CallDynamoDbAsync"/>), so a stream record's image is written
/// to another table as the JSON it came in, never converted.
/// </summary>
public sealed class DynamoDbStreamsClient(HttpClient http, Uri endpoint, string region, ImmutableCredentials credentials)
{
    private const string Service = "dynamodb";
    private const string ContentType = "application/x-amz-json-1.0";

    public Task<JsonObject> DescribeStreamAsync(string streamArn, string? exclusiveStartShardId, CancellationToken ct)
    {
        var body = new JsonObject { ["StreamArn"] = streamArn };
        if (exclusiveStartShardId is not null)
        {
            body["ExclusiveStartShardId"] = exclusiveStartShardId;
        }
        return SendAsync("DescribeStream", body, ct);
    }

    /// <summary>Every shard of the stream (DescribeStream, page after page), each with its parent if it has one.</summary>
    public async Task<IReadOnlyList<(string Id, string? ParentId)>> ShardsAsync(string streamArn, CancellationToken ct)
    {
        var shards = new List<(string, string?)>();
        string? startAfter = null;
        do
        {
            var description = (await DescribeStreamAsync(streamArn, startAfter, ct))["StreamDescription"];
            foreach (var shard in description?["Shards"]?.AsArray() ?? [])
            {
                shards.Add((shard!["ShardId"]!.GetValue<string>(), shard["ParentShardId"]?.GetValue<string>()));
            }
            startAfter = description?["LastEvaluatedShardId"]?.GetValue<string>();
        }
        while (startAfter is not null);
        return shards;
    }

    public async Task<string?> GetShardIteratorAsync(string streamArn, string shardId, string iteratorType, string? sequenceNumber, CancellationToken ct)
    {
        var body = new JsonObject { ["StreamArn"] = streamArn, ["ShardId"] = shardId, ["ShardIteratorType"] = iteratorType };
        if (sequenceNumber is not null)
        {
            body["SequenceNumber"] = sequenceNumber;
        }
        var response = await SendAsync("GetShardIterator", body, ct);
        return response["ShardIterator"]?.GetValue<string>();
    }

    public Task<JsonObject> GetRecordsAsync(string shardIterator, int limit, CancellationToken ct) =>
        SendAsync("GetRecords", new JsonObject { ["ShardIterator"] = shardIterator, ["Limit"] = limit }, ct);

    /// <summary>One of DynamoDB's own calls (GetItem, TransactWriteItems…) in its JSON protocol.</summary>
    public Task<JsonObject> CallDynamoDbAsync(string operation, JsonObject body, CancellationToken ct) =>
        SendAsync(operation, body, ct, "DynamoDB_20120810");

    private async Task<JsonObject> SendAsync(string operation, JsonObject body, CancellationToken ct, string targetPrefix = "DynamoDBStreams_20120810")
    {
        var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", $"{targetPrefix}.{operation}");
        SigV4.Sign(request, payload, Service, region, credentials, DateTime.UtcNow);

        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new StreamsException(operation, (int)response.StatusCode, text);
        }
        return JsonNode.Parse(text)?.AsObject() ?? [];
    }
}

public sealed class StreamsException(string operation, int status, string body)
    : Exception($"DynamoDB {operation} failed with {status}: {body}")
{
    /// <summary>A condition failed: a write's own (ConditionalCheckFailedException), or one in a transaction (its cancellation reasons name it).</summary>
    public bool IsConditionFailed => body.Contains("ConditionalCheckFailed", StringComparison.Ordinal);

    public bool IsExpiredIterator => body.Contains("ExpiredIteratorException", StringComparison.Ordinal);
    public bool IsTrimmed => body.Contains("TrimmedDataAccessException", StringComparison.Ordinal);
}
