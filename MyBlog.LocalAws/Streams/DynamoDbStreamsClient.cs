using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;

namespace MyBlog.LocalAws.Streams;

/// <summary>
/// The three DynamoDB Streams calls LocalAws needs (DescribeStream, GetShardIterator, GetRecords), sent as the
/// service's JSON protocol and signed with the SDK's own SigV4 signer (AWSSDK.DynamoDBStreams is not available here).
/// DynamoDB Local does not check signatures, but the requests are signed exactly as AWS would require.
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

    private async Task<JsonObject> SendAsync(string operation, JsonObject body, CancellationToken ct)
    {
        var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", $"DynamoDBStreams_20120810.{operation}");
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
    : Exception($"DynamoDB Streams {operation} failed with {status}: {body}")
{
    public bool IsExpiredIterator => body.Contains("ExpiredIteratorException", StringComparison.Ordinal);
    public bool IsTrimmed => body.Contains("TrimmedDataAccessException", StringComparison.Ordinal);
}
