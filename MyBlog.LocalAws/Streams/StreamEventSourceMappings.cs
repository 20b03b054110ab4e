using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MyBlog.Aws.Events;
using MyBlog.LocalAws.Delivery;
using MyBlog.LocalAws.Provisioning;

namespace MyBlog.LocalAws.Streams;

/// <summary>
/// Lambda's DynamoDB stream pollers, one per configured mapping: each reads every shard from its start (parents
/// before children), keeps the records its filter matches, and hands them to <see cref="BatchDelivery"/> in
/// batches — in order, one batch per shard at a time, as Lambda does.
/// </summary>
public sealed class StreamEventSourceMappings(
    TableProvisioner provisioner,
    DynamoDbStreamsClient streams,
    BatchDelivery delivery,
    StreamCheckpoints checkpoints,
    IOptions<LocalAwsOptions> options,
    ILogger<StreamEventSourceMappings> logger) : BackgroundService
{
    private static readonly TimeSpan DescribeInterval = TimeSpan.FromSeconds(5);
    private const int GetRecordsLimit = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var streamArn = await provisioner.StreamArn.WaitAsync(stoppingToken);
        await Task.WhenAll(options.Value.StreamMappings.Select(m => RunAsync(m, streamArn, stoppingToken)));
    }

    private async Task RunAsync(EventSourceMappingOptions mapping, string streamArn, CancellationToken ct)
    {
        var filter = new EventFilter(mapping.FilterPatterns);
        var shards = new Dictionary<string, ShardState>();
        var lastDescribe = DateTime.MinValue;
        logger.LogInformation("{Mapping}: polling {Stream} for {Path}", mapping.Name, streamArn, mapping.Path);

        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (DateTime.UtcNow - lastDescribe > DescribeInterval)
                {
                    await DiscoverShardsAsync(mapping, streamArn, shards, ct);
                    lastDescribe = DateTime.UtcNow;
                }

                var sawRecords = false;
                foreach (var shard in shards.Values.Where(s => s.IsReadable(shards)).ToList())
                {
                    sawRecords |= await PollShardAsync(mapping, filter, streamArn, shard, ct);
                }
                if (!sawRecords)
                {
                    await Task.Delay(options.Value.PollInterval, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Expired or trimmed iterators, or DynamoDB Local briefly away: resume after the last checkpoint.
                logger.LogWarning(ex, "{Mapping}: polling failed; resuming from the last checkpoint", mapping.Name);
                foreach (var shard in shards.Values)
                {
                    shard.Iterator = null;
                    shard.Pending.Clear();
                    shard.FirstPendingAt = null;
                }
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    private async Task DiscoverShardsAsync(EventSourceMappingOptions mapping, string streamArn, Dictionary<string, ShardState> shards, CancellationToken ct)
    {
        foreach (var (id, parentId) in await streams.ShardsAsync(streamArn, ct))
        {
            if (!shards.ContainsKey(id))
            {
                shards[id] = new ShardState(id, parentId) { Checkpoint = checkpoints.Get(streamArn, mapping.Name, id) };
            }
        }
    }

    private async Task<bool> PollShardAsync(
        EventSourceMappingOptions mapping, EventFilter filter, string streamArn, ShardState shard, CancellationToken ct)
    {
        shard.Iterator ??= shard.Checkpoint is null
            ? await streams.GetShardIteratorAsync(streamArn, shard.Id, "TRIM_HORIZON", null, ct)
            : await streams.GetShardIteratorAsync(streamArn, shard.Id, "AFTER_SEQUENCE_NUMBER", shard.Checkpoint, ct);
        if (shard.Iterator is null)
        {
            shard.Closed = true;
            return false;
        }

        var response = await streams.GetRecordsAsync(shard.Iterator, GetRecordsLimit, ct);
        var records = response[LambdaEvents.Records]?.AsArray() ?? [];
        var filteredOut = false;
        foreach (var node in records)
        {
            var record = node!.AsObject();
            record[DynamoDbStreamRecord.EventSourceArnProperty] = streamArn;
            if (filter.Matches(record))
            {
                shard.Pending.Add(record);
                shard.FirstPendingAt ??= DateTime.UtcNow;
            }
            else
            {
                // Lambda drops records its filter rejects; they never reach the function.
                shard.Checkpoint = BatchDelivery.SequenceNumber(record) ?? shard.Checkpoint;
                filteredOut = true;
            }
        }

        shard.Iterator = response["NextShardIterator"]?.GetValue<string>();
        shard.Closed = shard.Iterator is null;

        var source = new BatchSource(streamArn, shard.Id);
        while (shard.Pending.Count > 0 && (shard.Pending.Count >= mapping.BatchSize || shard.Closed
            || DateTime.UtcNow - shard.FirstPendingAt >= mapping.MaximumBatchingWindow))
        {
            var batch = shard.Pending.Take(mapping.BatchSize).ToList();
            await delivery.DeliverAsync(mapping, source, batch, ct);
            shard.Pending.RemoveRange(0, batch.Count);
            shard.Checkpoint = BatchDelivery.SequenceNumber(batch[^1]) ?? shard.Checkpoint;
            shard.FirstPendingAt = shard.Pending.Count > 0 ? DateTime.UtcNow : null;
            checkpoints.Set(streamArn, mapping.Name, shard.Id, shard.Checkpoint);
        }
        if (filteredOut && shard.Pending.Count == 0)
        {
            checkpoints.Set(streamArn, mapping.Name, shard.Id, shard.Checkpoint);
        }
        return records.Count > 0;
    }

    private sealed class ShardState(string id, string? parentId)
    {
        public string Id { get; } = id;
        public string? ParentId { get; } = parentId;
        public string? Iterator { get; set; }
        public string? Checkpoint { get; set; }
        public bool Closed { get; set; }
        public List<JsonObject> Pending { get; } = [];
        public DateTime? FirstPendingAt { get; set; }

        /// <summary>A child shard is read only after its parent is drained, so a key's changes stay in order.</summary>
        public bool IsReadable(Dictionary<string, ShardState> all) =>
            !Closed && (ParentId is null || !all.TryGetValue(ParentId, out var parent) || parent.Closed && parent.Pending.Count == 0);
    }
}
