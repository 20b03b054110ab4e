using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Workers.Publishing;

/// <summary>The site is being published by someone else and did not become free in time; the caller retries later.</summary>
public sealed class PublishBusyException(TimeSpan waited)
    : Exception($"Another publisher held the site for more than {waited.TotalSeconds:0} s.");

/// <summary>
/// One publisher at a time per site. Publishers read the manifest and the posts, write pages and then the manifest:
/// two at once (stream shards, a deploy's rebuild, a start-up build) could each write a manifest missing the other's
/// change — and a page deleted by one could be written back by the other, public for good. The lock is a lease in
/// the table (one conditional write), so a holder that dies or is frozen by a Lambda timeout frees it by expiring;
/// the lease outlasts the publish function's timeout, so a live holder never loses it.
/// <para>
/// What the lock guards is one site bucket, so with regions it is one lock per bucket: each region renders its own
/// bucket from its own replica, and its lock item is written by that region alone — a lock item shared by regions
/// would be taken in two at once (a conditional write holds within one replica) and then overwritten by replication,
/// leaving a release that no longer matches. Regions sharing one bucket (the local run) share its lock.
/// </para>
/// </summary>
public sealed class PublishLock(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> site, IOptions<BucketOptions> buckets,
    IOptions<PublishingOptions> options, TimeProvider time)
{
    public const string PartitionKey = MyBlogTable.PublisherLockPartitionKey;

    /// <summary>The one site's lock, as it always was; with regions, its bucket's.</summary>
    public string SortKey { get; } = site.Value.Region is null ? "LOCK" : $"LOCK#{buckets.Value.Site}";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <summary>Holds the lock until disposed; waits up to <paramref name="wait"/> for it, else throws <see cref="PublishBusyException"/>.</summary>
    public async Task<IAsyncDisposable> AcquireAsync(TimeSpan wait, CancellationToken ct)
    {
        var owner = Guid.NewGuid().ToString("N");
        var deadline = time.GetUtcNow() + wait;
        while (!await TryTakeAsync(owner, ct))
        {
            if (time.GetUtcNow() >= deadline)
            {
                throw new PublishBusyException(wait);
            }
            await Task.Delay(Poll, time, ct);
        }
        return new Held(this, owner);
    }

    private async Task<bool> TryTakeAsync(string owner, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = site.Value.TableName,
                Item = new()
                {
                    [MyBlogTable.PartitionKey] = new() { S = PartitionKey },
                    [MyBlogTable.SortKey] = new() { S = SortKey },
                    ["owner"] = new() { S = owner },
                    ["leaseUntil"] = new() { N = Ms(now + options.Value.LockLease) },
                },
                ConditionExpression = "attribute_not_exists(pk) OR leaseUntil < :now",
                ExpressionAttributeValues = new() { [":now"] = new() { N = Ms(now) } },
            }, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private async Task ReleaseAsync(string owner)
    {
        try
        {
            await dynamo.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = site.Value.TableName,
                Key = new()
                {
                    [MyBlogTable.PartitionKey] = new() { S = PartitionKey },
                    [MyBlogTable.SortKey] = new() { S = SortKey },
                },
                ConditionExpression = "#owner = :owner",
                ExpressionAttributeNames = new() { ["#owner"] = "owner" },
                ExpressionAttributeValues = new() { [":owner"] = new() { S = owner } },
            });
        }
        catch (ConditionalCheckFailedException)
        {
            // Expired and taken by another publisher meanwhile: it is theirs now.
        }
    }

    private static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private sealed class Held(PublishLock owner, string id) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(owner.ReleaseAsync(id));
    }
}
