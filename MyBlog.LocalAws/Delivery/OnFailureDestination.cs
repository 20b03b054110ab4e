using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace MyBlog.LocalAws.Delivery;

/// <summary>
/// Where a batch goes when its retries are exhausted: the local stand-in for the on-failure SQS destination.
/// Each entry is Lambda's invocation record (with the DDBStreamBatchInfo that locates the records) plus, because
/// nobody can re-read a local stream later, the records themselves. Kept in memory for <c>GET /failures</c> and
/// written to a JSON file each.
/// </summary>
public sealed class OnFailureDestination(IOptions<LocalAwsOptions> options, ILogger<OnFailureDestination> logger)
{
    private readonly ConcurrentQueue<JsonObject> _entries = new();
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public IReadOnlyCollection<JsonObject> Entries => _entries;

    public async Task SendAsync(
        EventSourceMappingOptions mapping, string streamArn, string shardId, IReadOnlyList<JsonObject> records,
        int invokeCount, string condition, string? functionError, CancellationToken ct)
    {
        var entry = new JsonObject
        {
            ["version"] = "1.0",
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("O"),
            ["requestContext"] = new JsonObject
            {
                ["requestId"] = Guid.NewGuid().ToString(),
                ["functionArn"] = $"local:workers:{mapping.Name}",
                ["condition"] = condition,
                ["approximateInvokeCount"] = invokeCount,
            },
            ["responseContext"] = new JsonObject { ["functionError"] = functionError },
            ["DDBStreamBatchInfo"] = new JsonObject
            {
                ["shardId"] = shardId,
                ["startSequenceNumber"] = records[0]["dynamodb"]?["SequenceNumber"]?.DeepClone(),
                ["endSequenceNumber"] = records[^1]["dynamodb"]?["SequenceNumber"]?.DeepClone(),
                ["batchSize"] = records.Count,
                ["streamArn"] = streamArn,
            },
            ["records"] = new JsonArray(records.Select(r => (JsonNode)r.DeepClone()).ToArray()),
        };
        _entries.Enqueue(entry);
        logger.LogError("{Mapping}: {Count} record(s) from shard {Shard} sent to the on-failure destination ({Condition}): {Error}",
            mapping.Name, records.Count, shardId, condition, functionError);

        if (options.Value.FailuresDirectory is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, $"{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{mapping.Name}-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(file, entry.ToJsonString(Indented), ct);
        }
    }
}
