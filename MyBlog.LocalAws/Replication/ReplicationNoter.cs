using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MyBlog.Aws.Events;
using MyBlog.LocalAws.Delivery;
using MyBlog.LocalAws.Provisioning;
using MyBlog.LocalAws.Streams;

namespace MyBlog.LocalAws.Replication;

/// <summary>
/// Gives every write in this region's replica its version as it is made, whatever the peers are doing: DynamoDB
/// stamps a write when it happens, not when replication gets to it. The shippers read ahead and note records too,
/// but only as far as they can ship; with a peer down for minutes, the writes made here meanwhile would otherwise be
/// stamped only when it returned — newer than anything the other regions wrote during the outage, which is not what
/// global tables decide. Each pass notes every new record of every shard up to the end; stopping, it makes a last
/// pass, so that the writes made just before this region's outage keep their own time.
/// </summary>
public sealed class ReplicationNoter(
    TableProvisioner provisioner,
    DynamoDbStreamsClient streams,
    ReplicationLedger ledger,
    IOptions<ReplicationOptions> options,
    TimeProvider time,
    ILogger<ReplicationNoter> logger) : BackgroundService
{
    /// <summary>The cursors this noter keeps in the ledger, beside the shippers' (one per peer).</summary>
    public const string CursorOwner = "#noted";

    private const int BatchLimit = 1000;
    private static readonly TimeSpan LastPassTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Between passes. The shippers note what they read within their own poll; this is the backstop for when they
    /// cannot read on (a peer down), so a quarter of a second is close enough to the time a write was made.
    /// </summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Dictionary<string, string?> _cursors = [];
    private readonly Dictionary<string, string?> _iterators = [];
    private IReadOnlyList<(string Id, string? ParentId)> _shards = [];
    private DateTimeOffset _lastDescribe = DateTimeOffset.MinValue;
    private string? _streamArn;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        _streamArn = await provisioner.StreamArn.WaitAsync(stoppingToken);
        await ledger.EnsureTableAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await PassAsync(stoppingToken) == 0)
                {
                    await Task.Delay(Interval, time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Noting this region's writes is held: {Reason}", ex.Message);
                _iterators.Clear();
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_streamArn is null)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(LastPassTimeout);
        try
        {
            var noted = await PassAsync(timeout.Token);
            logger.LogInformation("Replication: {Count} write(s) noted on the way down", noted);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Replication: the last pass before stopping did not finish: {Reason}", ex.Message);
        }
    }

    /// <summary>Notes every record not yet noted, shard by shard, parents first; returns how many.</summary>
    private async Task<int> PassAsync(CancellationToken ct)
    {
        var noted = 0;
        if (time.GetUtcNow() - _lastDescribe > TimeSpan.FromSeconds(5))
        {
            _shards = await streams.ShardsAsync(_streamArn!, ct);
            _lastDescribe = time.GetUtcNow();
        }
        foreach (var (shardId, _) in _shards)
        {
            if (!_cursors.TryGetValue(shardId, out var cursor))
            {
                _cursors[shardId] = cursor = await ledger.CursorAsync(CursorOwner, shardId, ct);
            }
            if (_iterators.TryGetValue(shardId, out var kept) && kept is null)
            {
                continue; // a closed shard read to its end
            }
            var iterator = kept ?? (cursor is null
                ? await streams.GetShardIteratorAsync(_streamArn!, shardId, "TRIM_HORIZON", null, ct)
                : await streams.GetShardIteratorAsync(_streamArn!, shardId, "AFTER_SEQUENCE_NUMBER", cursor, ct));
            while (iterator is not null)
            {
                var response = await streams.GetRecordsAsync(iterator, BatchLimit, ct);
                var records = response[LambdaEvents.Records]?.AsArray() ?? [];
                foreach (var node in records)
                {
                    var dynamodb = node!["dynamodb"]!.AsObject();
                    var sequence = BatchDelivery.SequenceNumber(node.AsObject())!;
                    await ledger.NoteAsync(shardId, sequence, dynamodb["Keys"]!.AsObject(), dynamodb["NewImage"] as JsonObject, ct);
                    cursor = sequence;
                    noted++;
                }
                iterator = response["NextShardIterator"]?.GetValue<string>();
                if (records.Count == 0)
                {
                    break; // at the end of an open shard: what comes next is noted on the next pass, from here
                }
            }
            _iterators[shardId] = iterator;
            if (cursor is not null && cursor != _cursors[shardId])
            {
                await ledger.SetCursorAsync(CursorOwner, shardId, cursor, ct);
                _cursors[shardId] = cursor;
            }
        }
        return noted;
    }
}
