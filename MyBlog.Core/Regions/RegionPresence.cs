using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;

namespace MyBlog.Core.Regions;

/// <summary>What a region's sweep learned from the regions' heartbeats.</summary>
/// <param name="Quiet">This region is back from an absence long enough that another may have taken its work: it does none until the others' writes have reached it.</param>
/// <param name="LostPeers">Regions silent for longer than the handover time: their owed welcomes are this region's to take.</param>
/// <param name="WaitingFor">While quiet: the regions that have not yet been seen to see this one back.</param>
public sealed record PresenceView(bool Quiet, IReadOnlyList<string> LostPeers, IReadOnlyList<string>? WaitingFor = null);

/// <summary>
/// Which regions are alive, as the table tells it: each region's welcome sweep writes a heartbeat (one item per region,
/// written by that region alone, so replication never overwrites it), and reads everyone's.
/// <list type="bullet">
/// <item>A region silent for <see cref="WelcomeOptions.HandoverAfter"/> is lost: the others take over the welcomes it
/// owes (<see cref="SubscriberStore.TakeOverWelcomesAsync"/>), each takeover conditional on the lost region's heartbeat
/// still being old in the taker's copy (<see cref="StillLost"/>). No person declares it.</item>
/// <item>A region coming back after being silent for half that time — long enough that another may have started
/// taking its work — must not act on its own copy of the table before the others' writes have reached it. How long
/// that takes is not a constant: writes held back by the outage arrive in a burst, behind everything else the others
/// wrote meanwhile. So the wait is causal, not timed: the returning region stays quiet (claims nothing, takes over
/// nothing) until every other region's heartbeat, as its own copy shows it, says that region has seen it back. That
/// region takes over nothing of it from then on (its takeovers are conditional on the heartbeat it saw being old),
/// so its takeovers all came before that heartbeat; replication sends a region's writes in the order they were made,
/// and the quiet ends one <see cref="WelcomeOptions.Settle"/> after the last such heartbeat arrived, for changes
/// copied out of order.</item>
/// <item>A region that is not heard from at all for the handover time after the return began (no new heartbeat of
/// its arrives) is lost itself, and is not waited for.</item>
/// </list>
/// Off in one region, and while <see cref="WelcomeOptions.HandoverAfter"/> is zero.
/// </summary>
public sealed class RegionPresence(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> site, IOptions<WelcomeOptions> welcome, TimeProvider time)
{
    public const string PartitionKey = "REGIONS";

    /// <summary>
    /// A heartbeat's attributes: when the region last beat (epoch milliseconds); until when it is quiet; since when it
    /// has been rejoining (set while it waits for the others to see it back); and, per other region, the heartbeat of
    /// theirs it last saw and when it first saw that one (<see cref="SeenAttribute"/>, <see cref="HeardAtAttribute"/>).
    /// </summary>
    public const string AtAttribute = "heartbeatAt";
    public const string QuietUntilAttribute = "quietUntil";
    public const string RejoiningSinceAttribute = "rejoiningSince";
    public const string PeersAttribute = "peers";
    public const string SeenAttribute = "seen";
    public const string HeardAtAttribute = "heardAt";

    private string Table => site.Value.TableName;

    private string Region => site.Value.Region!;

    private DateTimeOffset _lastBeat = DateTimeOffset.MinValue;

    private bool Enabled => site.Value.Region is not null && welcome.Value.HandoverAfter > TimeSpan.Zero;

    /// <summary>A region silent longer than this may have had its work taken; back, it waits before acting.</summary>
    private TimeSpan RejoinAfter => welcome.Value.HandoverAfter / 2;

    /// <summary>The sweep's heartbeat: writes this region's, and says whether it must stay quiet and which regions are lost.</summary>
    public async Task<PresenceView> BeatAsync(CancellationToken ct)
    {
        if (!Enabled)
        {
            return new(false, []);
        }
        var now = time.GetUtcNow();
        var beats = await HeartbeatsAsync(ct);
        var own = beats.GetValueOrDefault(Region);
        var others = beats.Where(b => b.Key != Region).ToDictionary();

        var rejoiningSince = own?.RejoiningSince;
        if (own is not null && now - own.At > RejoinAfter)
        {
            rejoiningSince = now; // back from an absence (again): the others must see this heartbeat, not an older one
        }

        // What this region has heard from each other one: a heartbeat not seen before is news from it, now.
        var peers = others.ToDictionary(p => p.Key, p =>
            own?.Peers.GetValueOrDefault(p.Key) is { } before && before.Seen == p.Value.At ? before : new PeerSeen(p.Value.At, now));

        var quietUntil = own?.QuietUntil;
        IReadOnlyList<string> waitingFor = [];
        if (rejoiningSince is { } since)
        {
            waitingFor = [.. others
                .Where(p => !HasSeenBack(p.Value, since) && now - Max(peers[p.Key].HeardAt, since) <= welcome.Value.HandoverAfter)
                .Select(p => p.Key)
                .Order()];
            if (waitingFor.Count == 0)
            {
                rejoiningSince = null;
                quietUntil = Max(quietUntil ?? now, now + welcome.Value.Settle);
            }
        }

        await WriteBeatAsync(now, rejoiningSince, quietUntil > now ? quietUntil : null, peers, ct);
        if (rejoiningSince is not null || quietUntil > now)
        {
            return new(true, [], waitingFor);
        }
        var lost = others.Where(p => now - p.Value.At > welcome.Value.HandoverAfter).Select(p => p.Key).Order().ToList();
        return new(false, lost);
    }

    /// <summary>
    /// Whether <paramref name="peer"/>'s heartbeat says it has seen this region back: it read a heartbeat of this
    /// region's from <paramref name="since"/> or later, and that heartbeat was recent when it read it (so it did not
    /// count this region as lost).
    /// </summary>
    private bool HasSeenBack(Heartbeat peer, DateTimeOffset since) =>
        peer.Peers.GetValueOrDefault(Region) is { } seen && seen.Seen >= since && peer.At - seen.Seen <= welcome.Value.HandoverAfter;

    /// <summary>
    /// Beats again during a long sweep (one that sends for minutes): a region busy sending must never look silent to
    /// the others. Writes only when the last beat is a sixth of the handover time old. False: this region's heartbeat
    /// has lapsed meanwhile (a sweep frozen and thawed) or it is rejoining — the sweep stops; the next one rejoins.
    /// </summary>
    public async Task<bool> KeepAliveAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (!Enabled || now - _lastBeat < welcome.Value.HandoverAfter / 6)
        {
            return true;
        }
        var kept = await dynamo.TryUpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = BeatKey(Region),
            UpdateExpression = "SET #at = :now",
            ConditionExpression = "#at >= :fresh AND attribute_not_exists(#since)",
            ExpressionAttributeNames = new() { ["#at"] = AtAttribute, ["#since"] = RejoiningSinceAttribute },
            ExpressionAttributeValues = new() { [":now"] = Ms(now), [":fresh"] = Ms(now - RejoinAfter) },
        }, ct);
        if (kept)
        {
            _lastBeat = now;
        }
        return kept;
    }

    /// <summary>
    /// The condition a takeover of <paramref name="lostRegion"/>'s work is written with, in one transaction: its
    /// heartbeat in this region's copy is still older than <paramref name="lostBefore"/>. A sweep that judged the region
    /// lost a moment ago takes nothing once the region's return has reached this copy.
    /// </summary>
    public static TransactWriteItem StillLost(string table, string lostRegion, DateTimeOffset lostBefore) => new()
    {
        ConditionCheck = new ConditionCheck
        {
            TableName = table,
            Key = BeatKey(lostRegion),
            ConditionExpression = "#at < :lostBefore",
            ExpressionAttributeNames = new() { ["#at"] = AtAttribute },
            ExpressionAttributeValues = new() { [":lostBefore"] = Ms(lostBefore) },
        },
    };

    /// <summary>This region's heartbeat: written by this region alone.</summary>
    private async Task WriteBeatAsync(DateTimeOffset now, DateTimeOffset? rejoiningSince, DateTimeOffset? quietUntil,
        Dictionary<string, PeerSeen> peers, CancellationToken ct)
    {
        var item = BeatKey(Region);
        item[AtAttribute] = Ms(now);
        item[PeersAttribute] = new AttributeValue
        {
            M = peers.ToDictionary(p => p.Key, p => new AttributeValue
            {
                M = new() { [SeenAttribute] = Ms(p.Value.Seen), [HeardAtAttribute] = Ms(p.Value.HeardAt) },
            }),
        };
        if (rejoiningSince is { } since)
        {
            item[RejoiningSinceAttribute] = Ms(since);
        }
        if (quietUntil is { } until)
        {
            item[QuietUntilAttribute] = Ms(until);
        }
        await dynamo.PutItemAsync(new PutItemRequest { TableName = Table, Item = item }, ct);
        _lastBeat = now;
    }

    /// <summary>
    /// Whether this region may claim work now (the stream's fast path asks before each batch): not while it is
    /// quiet or rejoining, and not when its own heartbeat is old — it is back from an absence its sweep has not yet
    /// noticed.
    /// </summary>
    public async Task<bool> MayClaimAsync(CancellationToken ct)
    {
        if (!Enabled)
        {
            return true;
        }
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = BeatKey(Region), ConsistentRead = true }, ct);
        if (response.Item is not { Count: > 0 } item)
        {
            return true; // never beaten: a region new to the table has nothing anyone could have taken
        }
        var now = time.GetUtcNow();
        var beat = Heartbeat.From(item);
        return beat.RejoiningSince is null && !(beat.QuietUntil > now) && now - beat.At <= RejoinAfter;
    }

    private async Task<Dictionary<string, Heartbeat>> HeartbeatsAsync(CancellationToken ct)
    {
        var items = await dynamo.QueryAllAsync(new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "#pk = :regions",
            ExpressionAttributeNames = new() { ["#pk"] = MyBlogTable.PartitionKey },
            ExpressionAttributeValues = new() { [":regions"] = new() { S = PartitionKey } },
            ConsistentRead = true,
        }, ct);
        return items.ToDictionary(i => i[MyBlogTable.SortKey].S, Heartbeat.From);
    }

    private static Dictionary<string, AttributeValue> BeatKey(string region) => new()
    {
        [MyBlogTable.PartitionKey] = new() { S = PartitionKey },
        [MyBlogTable.SortKey] = new() { S = region },
    };

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static AttributeValue Ms(DateTimeOffset at) => new() { N = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) };

    /// <summary>Another region's heartbeat as this region last saw it, and when this region first saw that one.</summary>
    private sealed record PeerSeen(DateTimeOffset Seen, DateTimeOffset HeardAt);

    private sealed record Heartbeat(DateTimeOffset At, DateTimeOffset? QuietUntil, DateTimeOffset? RejoiningSince, IReadOnlyDictionary<string, PeerSeen> Peers)
    {
        public static Heartbeat From(Dictionary<string, AttributeValue> item) => new(
            item.Millis(AtAttribute)!.Value,
            item.Millis(QuietUntilAttribute),
            item.Millis(RejoiningSinceAttribute),
            item.TryGetValue(PeersAttribute, out var peers) && peers.M is { } map
                ? map.Where(p => p.Value.M?.Millis(SeenAttribute) is not null)
                    .ToDictionary(p => p.Key, p => new PeerSeen(p.Value.M.Millis(SeenAttribute)!.Value, p.Value.M.Millis(HeardAtAttribute) ?? p.Value.M.Millis(SeenAttribute)!.Value))
                : new Dictionary<string, PeerSeen>());
    }
}
