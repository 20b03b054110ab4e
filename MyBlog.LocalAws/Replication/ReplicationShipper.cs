using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MyBlog.Aws.Events;
using MyBlog.LocalAws.Delivery;
using MyBlog.LocalAws.Provisioning;
using MyBlog.LocalAws.Streams;

namespace MyBlog.LocalAws.Replication;

/// <summary>How replication to one peer stands, for the status page and the benchmark.</summary>
public sealed class PeerStatus
{
    public long Applied;
    public long Dropped;
    public DateTimeOffset? LastShippedAt { get; set; }

    /// <summary>From a write here to its change being applied (or found older) in the peer, for the last change shipped.</summary>
    public TimeSpan? LastLag { get; set; }

    public string? LastError { get; set; }
    public bool Paused { get; set; }
}

/// <summary>
/// Global tables' replication, this region's outbound half: for each peer region, reads this region's stream in
/// order (a key's changes never overtake each other), leaves out the changes this region applied for others, waits
/// out the configured lag, and sends each change with its version to the peer's LocalAws, which applies it if it is
/// the last writer there. A peer that is down is retried from the same place until it answers, so a region that comes
/// back receives everything written meanwhile; a region that was down sends, when it comes back, what it had not sent.
/// </summary>
public sealed class ReplicationShipper(
    TableProvisioner provisioner,
    DynamoDbStreamsClient streams,
    ReplicationLedger ledger,
    IHttpClientFactory httpClients,
    IOptions<ReplicationOptions> options,
    TimeProvider time,
    ILogger<ReplicationShipper> logger) : BackgroundService
{
    public const string HttpClientName = "replication";
    private const int BatchLimit = 100;
    private const int MaxPending = 5000;

    public ConcurrentDictionary<string, PeerStatus> Peers { get; } = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        var streamArn = await provisioner.StreamArn.WaitAsync(stoppingToken);
        await ledger.EnsureTableAsync(stoppingToken);
        await Task.WhenAll(options.Value.Peers.Select(peer => ShipAsync(peer.Key, peer.Value, streamArn, stoppingToken)));
    }

    private async Task ShipAsync(string peer, Uri peerUrl, string streamArn, CancellationToken ct)
    {
        var status = Peers.GetOrAdd(peer, _ => new PeerStatus());
        var http = httpClients.CreateClient(HttpClientName);
        var shards = new Dictionary<string, Shard>();
        var lastDescribe = DateTimeOffset.MinValue;
        var failures = 0;
        logger.LogInformation("Replicating {Region} to {Peer} at {Url}", options.Value.Region, peer, peerUrl);

        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (time.GetUtcNow() - lastDescribe > TimeSpan.FromSeconds(5))
                {
                    await DiscoverAsync(peer, streamArn, shards, ct);
                    lastDescribe = time.GetUtcNow();
                }
                var shipped = false;
                foreach (var shard in shards.Values.Where(s => s.IsReadable(shards)).ToList())
                {
                    shipped |= await ShipShardAsync(peer, peerUrl, http, streamArn, shard, status, ct);
                }
                status.LastError = null;
                failures = 0;
                if (!shipped)
                {
                    await Task.Delay(options.Value.PollInterval, time, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The peer is down (a lost region) or this region's table is away: try again from the last change the
                // peer acknowledged, backing off up to a few seconds, for as long as it takes.
                failures++;
                status.LastError = ex.Message;
                if (failures == 1)
                {
                    logger.LogWarning("Replication to {Peer} is held: {Reason}", peer, ex.Message);
                }
                foreach (var shard in shards.Values)
                {
                    shard.Iterator = null;
                    shard.Pending.Clear();
                    shard.Drained = false;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * failures, 3000)), time, ct);
            }
        }
    }

    private async Task DiscoverAsync(string peer, string streamArn, Dictionary<string, Shard> shards, CancellationToken ct)
    {
        foreach (var (id, parentId) in await streams.ShardsAsync(streamArn, ct))
        {
            if (!shards.ContainsKey(id))
            {
                shards[id] = new Shard(id, parentId) { Cursor = await ledger.CursorAsync(peer, id, ct) };
            }
        }
    }

    private async Task<bool> ShipShardAsync(string peer, Uri peerUrl, HttpClient http, string streamArn, Shard shard, PeerStatus status, CancellationToken ct)
    {
        if (status.Paused)
        {
            return false;
        }

        // Read ahead and note each record as soon as it appears, so a write's version is the time it was made (within
        // a poll), not the time the lag let it go.
        var read = 0;
        if (!shard.Drained && shard.Pending.Count < MaxPending)
        {
            shard.Iterator ??= shard.Cursor is null
                ? await streams.GetShardIteratorAsync(streamArn, shard.Id, "TRIM_HORIZON", null, ct)
                : await streams.GetShardIteratorAsync(streamArn, shard.Id, "AFTER_SEQUENCE_NUMBER", shard.Cursor, ct);
            if (shard.Iterator is null)
            {
                shard.Drained = true;
            }
            else
            {
                var response = await streams.GetRecordsAsync(shard.Iterator, BatchLimit, ct);
                foreach (var node in response[LambdaEvents.Records]?.AsArray() ?? [])
                {
                    var dynamodb = node!["dynamodb"]!.AsObject();
                    var sequence = BatchDelivery.SequenceNumber(node.AsObject())!;
                    var keys = dynamodb["Keys"]!.AsObject();
                    var image = dynamodb["NewImage"] as JsonObject;
                    var note = await ledger.NoteAsync(shard.Id, sequence, keys, image, ct);
                    shard.Pending.Enqueue((sequence, note.Replicated
                        ? null
                        : new ReplicatedChange((JsonObject)keys.DeepClone(), (JsonObject?)image?.DeepClone(), note.Version.Stamp, note.Version.Region)));
                    read++;
                }
                shard.Iterator = response["NextShardIterator"]?.GetValue<string>();
                shard.Drained = shard.Iterator is null;
            }
        }

        // Send, in order, what has waited out global tables' lag; changes this region applied for others are passed over.
        var now = time.GetUtcNow();
        var batch = new List<ReplicatedChange>();
        string? through = null;
        while (batch.Count < BatchLimit && shard.Pending.TryPeek(out var next)
            && (next.Change is null || new DateTimeOffset(next.Change.Stamp, TimeSpan.Zero) + options.Value.Lag <= now))
        {
            shard.Pending.Dequeue();
            if (next.Change is not null)
            {
                batch.Add(next.Change);
            }
            through = next.Sequence;
        }
        if (batch.Count > 0)
        {
            using var answer = await http.PostAsJsonAsync(new Uri(peerUrl, "/replication/changes"), batch, ct);
            answer.EnsureSuccessStatusCode();
            var result = await answer.Content.ReadFromJsonAsync<ApplyResult>(ct);
            Interlocked.Add(ref status.Applied, result?.Applied ?? 0);
            Interlocked.Add(ref status.Dropped, result?.Dropped ?? 0);
            status.LastShippedAt = time.GetUtcNow();
            status.LastLag = time.GetUtcNow() - new DateTimeOffset(batch[^1].Stamp, TimeSpan.Zero);
        }
        if (through is not null)
        {
            await ledger.SetCursorAsync(peer, shard.Id, through, ct);
            shard.Cursor = through;
        }
        shard.Closed = shard.Drained && shard.Pending.Count == 0;
        return read > 0 || batch.Count > 0;
    }

    private sealed class Shard(string id, string? parentId)
    {
        public string Id { get; } = id;
        public string? ParentId { get; } = parentId;
        public string? Cursor { get; set; }
        public string? Iterator { get; set; }

        /// <summary>Read and noted, not yet acknowledged by the peer; read again from <see cref="Cursor"/> after a failure.</summary>
        public Queue<(string Sequence, ReplicatedChange? Change)> Pending { get; } = new();

        /// <summary>No more records will appear in this shard (its iterator ended).</summary>
        public bool Drained { get; set; }

        public bool Closed { get; set; }

        /// <summary>A child shard is read only after its parent is, so a key's changes stay in order.</summary>
        public bool IsReadable(Dictionary<string, Shard> all) =>
            !Closed && (ParentId is null || !all.TryGetValue(ParentId, out var parent) || parent.Closed);
    }
}

/// <summary>What a peer did with a batch of changes: applied as the last writer, or dropped as an earlier one.</summary>
public sealed record ApplyResult(int Applied, int Dropped);
