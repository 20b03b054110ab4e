using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.LocalAws.Streams;

namespace MyBlog.LocalAws.Replication;

/// <summary>What a region decided about one record of its own stream: a write made here, or a replica's change applied here.</summary>
public sealed record StreamRecordNote(bool Replicated, WriteVersion Version);

/// <summary>
/// What global tables keep beside each replica and never show: for every item, the version of the write it holds
/// (so a change from another region is applied only if it is the later writer) and the changes applied here for other
/// regions that this region's stream has yet to carry back (so they are not shipped again as if written here); for
/// every record of the stream, whether it was written here and when; and how far each peer has been sent. Kept in a
/// table of its own in the region's DynamoDB, so a LocalAws that restarts — or a region that comes back — carries on
/// where it was, with the versions its writes had.
/// </summary>
public sealed class ReplicationLedger(DynamoDbStreamsClient dynamo, IOptions<MyBlogOptions> table, IOptions<ReplicationOptions> options, TimeProvider time)
{
    private const string Key = "k";
    private string LedgerTable => table.Value.TableName + "-replication";
    private string Region => options.Value.Region;

    public async Task EnsureTableAsync(CancellationToken ct)
    {
        try
        {
            await dynamo.CallDynamoDbAsync("CreateTable", new JsonObject
            {
                ["TableName"] = LedgerTable,
                ["BillingMode"] = "PAY_PER_REQUEST",
                ["AttributeDefinitions"] = new JsonArray(new JsonObject { ["AttributeName"] = Key, ["AttributeType"] = "S" }),
                ["KeySchema"] = new JsonArray(new JsonObject { ["AttributeName"] = Key, ["KeyType"] = "HASH" }),
            }, ct);
        }
        catch (StreamsException ex) when (ex.Message.Contains("ResourceInUseException", StringComparison.Ordinal))
        {
            // Kept from before a restart: that is the point of it.
        }
    }

    /// <summary>
    /// The note for one record of this region's stream, made the first time any shipper reads it: a change this region
    /// applied for another is recognised and never shipped back; anything else was written here, now.
    /// </summary>
    public async Task<StreamRecordNote> NoteAsync(string shardId, string sequenceNumber, JsonObject keys, JsonObject? newImage, CancellationToken ct)
    {
        var noteKey = $"record#{shardId}#{sequenceNumber}";
        if (await GetAsync(noteKey, ct) is { } existing)
        {
            return ReadNote(existing);
        }

        var itemKey = "item#" + ReplicatedChange.ItemKeyOf(keys);
        var hash = ReplicatedChange.HashOf(newImage);
        var item = await GetAsync(itemKey, ct);
        var replicated = item?["echoes"]?["SS"]?.AsArray().Any(h => h!.GetValue<string>() == hash) == true;
        var note = replicated
            ? new StreamRecordNote(true, ReadVersion(item!))
            : new StreamRecordNote(false, new WriteVersion(time.GetUtcNow().UtcTicks, Region));

        try
        {
            await dynamo.CallDynamoDbAsync("PutItem", new JsonObject
            {
                ["TableName"] = LedgerTable,
                ["Item"] = new JsonObject
                {
                    [Key] = S(noteKey),
                    ["replicated"] = new JsonObject { ["BOOL"] = note.Replicated },
                    ["stamp"] = N(note.Version.Stamp),
                    ["region"] = S(note.Version.Region),
                },
                ["ConditionExpression"] = "attribute_not_exists(k)",
            }, ct);
        }
        catch (StreamsException ex) when (ex.IsConditionFailed)
        {
            // Another peer's shipper read the record first; its note stands.
            return ReadNote((await GetAsync(noteKey, ct))!);
        }

        if (replicated)
        {
            await dynamo.CallDynamoDbAsync("UpdateItem", new JsonObject
            {
                ["TableName"] = LedgerTable,
                ["Key"] = new JsonObject { [Key] = S(itemKey) },
                ["UpdateExpression"] = "DELETE echoes :h",
                ["ExpressionAttributeValues"] = new JsonObject { [":h"] = new JsonObject { ["SS"] = new JsonArray(hash) } },
            }, ct);
        }
        else
        {
            // A write made here is the item's latest version here, whatever came before it.
            await dynamo.CallDynamoDbAsync("UpdateItem", new JsonObject
            {
                ["TableName"] = LedgerTable,
                ["Key"] = new JsonObject { [Key] = S(itemKey) },
                ["UpdateExpression"] = "SET stamp = :s, #r = :r, #h = :h",
                ["ExpressionAttributeNames"] = new JsonObject { ["#r"] = "region", ["#h"] = "hash" },
                ["ExpressionAttributeValues"] = new JsonObject { [":s"] = N(note.Version.Stamp), [":r"] = S(Region), [":h"] = S(hash) },
            }, ct);
        }
        return note;
    }

    /// <summary>
    /// Applies another region's change if it is the item's last writer here, in one transaction with the item's
    /// version; an earlier writer's change is dropped, as global tables drop it. Returns whether it was applied.
    /// </summary>
    /// <remarks>
    /// A write made here is stamped when this region's stream is read (within a quarter of a second, the noter's
    /// pass), not as DynamoDB would, at once. So the item's version here can lag its image: when the image is not the
    /// one the ledger last recorded for the item, a write made here in that last moment is not noted yet. It is newer
    /// than any change that reaches here (every change waits out the replication lag before it is sent), so the change
    /// is dropped — applying it would put an older image over the newer one here, while the newer one, once noted,
    /// travels on and wins in the other region: two replicas that never agree again.
    /// </remarks>
    public async Task<bool> ApplyAsync(ReplicatedChange change, CancellationToken ct)
    {
        var itemKey = "item#" + change.ItemKey;
        var hash = change.ImageHash;
        var current = (await dynamo.CallDynamoDbAsync("GetItem", new JsonObject
        {
            ["TableName"] = table.Value.TableName,
            ["Key"] = change.Keys.DeepClone(),
            ["ConsistentRead"] = true,
        }, ct))["Item"] as JsonObject;
        var currentHash = ReplicatedChange.HashOf(current);
        // An item already as the change leaves it makes no stream record here, so none is expected back.
        var unchanged = currentHash == hash;
        var recorded = unchanged ? null : await GetAsync(itemKey, ct);
        if (!unchanged && (current is not null || recorded is not null) && currentHash != recorded?["hash"]?["S"]?.GetValue<string>())
        {
            return false; // a write made here moments ago, not noted yet: the later writer
        }

        var values = new JsonObject { [":s"] = N(change.Stamp), [":r"] = S(change.Region), [":h"] = S(hash) };
        if (!unchanged)
        {
            values[":e"] = new JsonObject { ["SS"] = new JsonArray(hash) };
        }
        var version = new JsonObject
        {
            ["Update"] = new JsonObject
            {
                ["TableName"] = LedgerTable,
                ["Key"] = new JsonObject { [Key] = S(itemKey) },
                ["UpdateExpression"] = "SET stamp = :s, #r = :r, #h = :h" + (unchanged ? "" : " ADD echoes :e"),
                ["ConditionExpression"] = "attribute_not_exists(k) OR stamp < :s OR (stamp = :s AND #r < :r)",
                ["ExpressionAttributeNames"] = new JsonObject { ["#r"] = "region", ["#h"] = "hash" },
                ["ExpressionAttributeValues"] = values,
            },
        };
        var items = new JsonArray(version);
        if (!unchanged)
        {
            items.Add(change.NewImage is null
                ? new JsonObject { ["Delete"] = new JsonObject { ["TableName"] = table.Value.TableName, ["Key"] = change.Keys.DeepClone() } }
                : new JsonObject { ["Put"] = new JsonObject { ["TableName"] = table.Value.TableName, ["Item"] = change.NewImage.DeepClone() } });
        }
        try
        {
            await dynamo.CallDynamoDbAsync("TransactWriteItems", new JsonObject { ["TransactItems"] = items }, ct);
            return true;
        }
        catch (StreamsException ex) when (ex.IsConditionFailed)
        {
            return false;
        }
    }

    /// <summary>Where the shipper to <paramref name="peer"/> has read <paramref name="shardId"/> up to.</summary>
    public async Task<string?> CursorAsync(string peer, string shardId, CancellationToken ct) =>
        (await GetAsync($"cursor#{peer}#{shardId}", ct))?["seq"]?["S"]?.GetValue<string>();

    public Task SetCursorAsync(string peer, string shardId, string sequenceNumber, CancellationToken ct) =>
        dynamo.CallDynamoDbAsync("PutItem", new JsonObject
        {
            ["TableName"] = LedgerTable,
            ["Item"] = new JsonObject { [Key] = S($"cursor#{peer}#{shardId}"), ["seq"] = S(sequenceNumber) },
        }, ct);

    private async Task<JsonObject?> GetAsync(string key, CancellationToken ct) =>
        (await dynamo.CallDynamoDbAsync("GetItem", new JsonObject
        {
            ["TableName"] = LedgerTable,
            ["Key"] = new JsonObject { [Key] = S(key) },
            ["ConsistentRead"] = true,
        }, ct))["Item"] as JsonObject;

    private static StreamRecordNote ReadNote(JsonObject note) =>
        new(note["replicated"]?["BOOL"]?.GetValue<bool>() == true, ReadVersion(note));

    private static WriteVersion ReadVersion(JsonObject item) => new(
        long.Parse(item["stamp"]!["N"]!.GetValue<string>(), CultureInfo.InvariantCulture),
        item["region"]!["S"]!.GetValue<string>());

    private static JsonObject S(string value) => new() { ["S"] = value };
    private static JsonObject N(long value) => new() { ["N"] = value.ToString(CultureInfo.InvariantCulture) };
}
