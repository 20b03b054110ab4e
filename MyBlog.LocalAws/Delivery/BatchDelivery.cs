using System.Text.Json.Nodes;
using MyBlog.Aws.Events;

namespace MyBlog.LocalAws.Delivery;

/// <summary>Where a batch came from, for the on-failure record.</summary>
public sealed record BatchSource(string StreamArn, string ShardId);

/// <summary>
/// Lambda's delivery rules for a stream batch: a partial failure checkpoints before the first failed record and
/// retries from there; a function error splits the batch in two (bisect on error, which does not use up a retry);
/// retries back off exponentially; after <see cref="EventSourceMappingOptions.MaximumRetryAttempts"/> the records
/// go to the on-failure destination and the shard moves on. Returns when the batch is done one way or the other.
/// </summary>
public sealed class BatchDelivery(FunctionInvoker invoker, OnFailureDestination destination, ILogger<BatchDelivery> logger)
{
    public static string? SequenceNumber(JsonObject record) => DynamoDbStreamRecord.SequenceNumberOf(record);

    public static string? TraceParent(JsonObject record) => DynamoDbStreamRecord.TraceParentOf(record);

    public Task DeliverAsync(EventSourceMappingOptions mapping, BatchSource source, IReadOnlyList<JsonObject> records, CancellationToken ct) =>
        DeliverAsync(mapping, source, records, retries: 0, ct);

    private async Task DeliverAsync(
        EventSourceMappingOptions mapping, BatchSource source, IReadOnlyList<JsonObject> records, int retries, CancellationToken ct)
    {
        while (true)
        {
            var result = await invoker.InvokeAsync(mapping, records, SequenceNumber, TraceParent, ct);
            string reason;
            switch (result)
            {
                case InvokeResult.Success:
                    return;
                case InvokeResult.PartialFailure partial:
                    records = records.Skip(partial.FirstFailedIndex).ToList();
                    reason = $"{partial.FailedCount} record(s) reported in batchItemFailures";
                    break;
                case InvokeResult.FunctionError error when mapping.BisectBatchOnFunctionError && records.Count > 1:
                    logger.LogWarning("{Mapping}: function error ({Reason}); bisecting a batch of {Count}", mapping.Name, error.Reason, records.Count);
                    var half = records.Count / 2;
                    await DeliverAsync(mapping, source, records.Take(half).ToList(), retries, ct);
                    await DeliverAsync(mapping, source, records.Skip(half).ToList(), retries, ct);
                    return;
                case InvokeResult.FunctionError error:
                    reason = error.Reason;
                    break;
                default:
                    throw new InvalidOperationException($"Unknown invoke result {result}");
            }

            if (retries >= mapping.MaximumRetryAttempts)
            {
                await destination.SendAsync(mapping, source.StreamArn, source.ShardId, records, retries + 1,
                    "RetryAttemptsExhausted", reason, ct);
                return;
            }
            retries++;
            var backoff = Backoff(mapping, retries);
            logger.LogWarning("{Mapping}: {Reason}; retry {Retry}/{Max} of {Count} record(s) in {Backoff} ms",
                mapping.Name, reason, retries, mapping.MaximumRetryAttempts, records.Count, (int)backoff.TotalMilliseconds);
            await Task.Delay(backoff, ct);
        }
    }

    private static TimeSpan Backoff(EventSourceMappingOptions mapping, int retry)
    {
        var exponential = mapping.InitialBackoff.TotalMilliseconds * Math.Pow(2, retry - 1);
        var capped = Math.Min(exponential, mapping.MaximumBackoff.TotalMilliseconds);
        // Full jitter on the upper half keeps retries of many shards from lining up.
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }
}
