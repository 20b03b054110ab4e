using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// The counts the editor shows, kept in one item and recounted off the request path. Counting reads every key of
/// the directory index (a second or so at a hundred thousand subscribers on DynamoDB, several on DynamoDB Local, and
/// a read unit per 4 KB each time), so the author's page reads the item instead, says when it was counted, and
/// marks it wanted; the welcome sweep recounts a wanted tally once it is a minute old. Nobody looking, nothing is read.
/// </summary>
public sealed class SubscriberTally(IAmazonDynamoDB dynamo, SubscriberDirectory directory, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public const string PartitionKey = "DIRECTORY#counts";
    private const string SortKey = "COUNTS";

    /// <summary>A wanted tally older than this is recounted.</summary>
    public static readonly TimeSpan RecountAfter = TimeSpan.FromMinutes(1);

    /// <summary>A tally nobody has asked for in this long is left alone.</summary>
    public static readonly TimeSpan WantedFor = TimeSpan.FromMinutes(15);

    private static readonly string[] States = [.. Enum.GetValues<SubscriberState>().Select(s => s.ToString().ToLowerInvariant())];

    private string Table => options.Value.TableName;

    /// <summary>The counts as last counted and when; the first time ever, counted now.</summary>
    public async Task<(SubscriberCounts Counts, DateTimeOffset CountedAt)> ReadAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await GetAsync(ct) is not { } item)
        {
            var counts = await directory.CountAsync(ct);
            await PutAsync(counts, now, wantedAt: now, ct);
            return (counts, now);
        }
        await dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = ItemKey(PartitionKey, SortKey),
            UpdateExpression = "SET wantedAt = :now",
            ExpressionAttributeValues = new() { [":now"] = N(now.ToUnixTimeMilliseconds()) },
        }, ct);
        return (CountsOf(item), item.Millis("countedAt") ?? DateTimeOffset.UnixEpoch);
    }

    /// <summary>Recounts a tally that is wanted and a minute old; true when it did.</summary>
    public async Task<bool> RefreshAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await GetAsync(ct) is not { } item
            || item.Millis("wantedAt") is not { } wanted || wanted < now - WantedFor
            || item.Millis("countedAt") is { } counted && counted > now - RecountAfter)
        {
            return false;
        }
        await PutAsync(await directory.CountAsync(ct), now, wanted, ct);
        return true;
    }

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = ItemKey(PartitionKey, SortKey), ConsistentRead = true }, ct);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    private Task PutAsync(SubscriberCounts counts, DateTimeOffset countedAt, DateTimeOffset wantedAt, CancellationToken ct)
    {
        var item = new Dictionary<string, AttributeValue>(ItemKey(PartitionKey, SortKey))
        {
            ["countedAt"] = N(countedAt.ToUnixTimeMilliseconds()),
            ["wantedAt"] = N(wantedAt.ToUnixTimeMilliseconds()),
        };
        int[] values = [counts.Pending, counts.Confirmed, counts.Unsubscribed, counts.Bounced, counts.Complained];
        for (var i = 0; i < States.Length; i++)
        {
            item[States[i]] = N(values[i]);
        }
        return dynamo.PutItemAsync(new PutItemRequest { TableName = Table, Item = item }, ct);
    }

    private static SubscriberCounts CountsOf(Dictionary<string, AttributeValue> item)
    {
        int Of(int i) => item.Int(States[i]) ?? 0;
        return new SubscriberCounts(Of(0), Of(1), Of(2), Of(3), Of(4));
    }
}
