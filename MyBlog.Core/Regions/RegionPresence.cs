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
public sealed record PresenceView(bool Quiet, IReadOnlyList<string> LostPeers);

/// <summary>
/// Which regions are alive, as the table tells it: each region's welcome sweep writes a heartbeat (one item per region,
/// written by that region alone, so replication never overwrites it), and reads everyone's.
/// <list type="bullet">
/// <item>A region silent for <see cref="WelcomeOptions.HandoverAfter"/> is lost: the others take over the welcomes it
/// owes (<see cref="SubscriberStore.TakeOverWelcomesAsync"/>). No person declares it.</item>
/// <item>A region coming back after being silent for half that time — long enough that another may have started
/// taking its work — must not act on its own copy of the table before the others' writes have reached it: it stays
/// quiet (claims nothing, takes over nothing) for <see cref="WelcomeOptions.RejoinQuiet"/>, longer than replication
/// takes to bring it up to date.</item>
/// </list>
/// Off in one region, and while <see cref="WelcomeOptions.HandoverAfter"/> is zero.
/// </summary>
public sealed class RegionPresence(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> site, IOptions<WelcomeOptions> welcome, TimeProvider time)
{
    public const string PartitionKey = "REGIONS";

    /// <summary>A heartbeat's attributes: when the region last beat (epoch milliseconds), and until when it is quiet.</summary>
    public const string AtAttribute = "heartbeatAt";
    public const string QuietUntilAttribute = "quietUntil";

    private string Table => site.Value.TableName;

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
        var own = beats.GetValueOrDefault(site.Value.Region!);
        var quietUntil = own?.QuietUntil;
        if (own is not null && now - own.At > RejoinAfter)
        {
            quietUntil = now + welcome.Value.RejoinQuiet;
        }
        await WriteBeatAsync(now, quietUntil > now ? quietUntil : null, ct);
        if (quietUntil > now)
        {
            return new(true, []);
        }
        var lost = beats.Where(b => b.Key != site.Value.Region && now - b.Value.At > welcome.Value.HandoverAfter).Select(b => b.Key).Order().ToList();
        return new(false, lost);
    }

    /// <summary>
    /// Beats again during a long sweep (one that sends for minutes): a region busy sending must never look silent to
    /// the others. Writes only when the last beat is a sixth of the handover time old.
    /// </summary>
    public async Task KeepAliveAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (!Enabled || now - _lastBeat < welcome.Value.HandoverAfter / 6)
        {
            return;
        }
        await WriteBeatAsync(now, quietUntil: null, ct);
    }

    /// <summary>This region's heartbeat: written by this region alone.</summary>
    private async Task WriteBeatAsync(DateTimeOffset now, DateTimeOffset? quietUntil, CancellationToken ct)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [MyBlogTable.PartitionKey] = new() { S = PartitionKey },
            [MyBlogTable.SortKey] = new() { S = site.Value.Region },
            [AtAttribute] = Ms(now),
        };
        if (quietUntil is { } until)
        {
            item[QuietUntilAttribute] = Ms(until);
        }
        await dynamo.PutItemAsync(new PutItemRequest { TableName = Table, Item = item }, ct);
        _lastBeat = now;
    }

    /// <summary>
    /// Whether this region may claim work now (the stream's fast path asks before each batch): not while it is
    /// quiet, and not when its own heartbeat is old — it is back from an absence its sweep has not yet noticed.
    /// </summary>
    public async Task<bool> MayClaimAsync(CancellationToken ct)
    {
        if (!Enabled)
        {
            return true;
        }
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = Table,
            Key = new() { [MyBlogTable.PartitionKey] = new() { S = PartitionKey }, [MyBlogTable.SortKey] = new() { S = site.Value.Region } },
            ConsistentRead = true,
        }, ct);
        if (response.Item is not { Count: > 0 } item)
        {
            return true; // never beaten: a region new to the table has nothing anyone could have taken
        }
        var now = time.GetUtcNow();
        var beat = Heartbeat.From(item);
        return !(beat.QuietUntil > now) && now - beat.At <= RejoinAfter;
    }

    private async Task<Dictionary<string, Heartbeat>> HeartbeatsAsync(CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "#pk = :regions",
            ExpressionAttributeNames = new() { ["#pk"] = MyBlogTable.PartitionKey },
            ExpressionAttributeValues = new() { [":regions"] = new() { S = PartitionKey } },
            ConsistentRead = true,
        }, ct);
        return (response.Items ?? []).ToDictionary(i => i[MyBlogTable.SortKey].S, Heartbeat.From);
    }

    private static AttributeValue Ms(DateTimeOffset at) => new() { N = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) };

    private sealed record Heartbeat(DateTimeOffset At, DateTimeOffset? QuietUntil)
    {
        public static Heartbeat From(Dictionary<string, AttributeValue> item) => new(
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(item[AtAttribute].N, CultureInfo.InvariantCulture)),
            item.TryGetValue(QuietUntilAttribute, out var quiet) ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(quiet.N, CultureInfo.InvariantCulture)) : null);
    }
}
