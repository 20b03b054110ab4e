using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;
using Fields = MyBlog.Core.Subscribers.SubscriberStore.SubscriberFields;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// Erasing a subscriber on request: every item that holds the address or is derived from it goes — the subscriber
/// (under its keyed id and, should it not have moved yet, its first unkeyed one), the alias from that first id, its
/// mailbox's welcome turns, and its marker in every newsletter job. Deletes replicate to every region of a global
/// table like any other write. The subscriber itself goes last, so a run stopped midway is finished by asking again.
/// </summary>
/// <remarks>
/// What is not in the table is not kept by MyBlog: logs name subscribers by id, never by address, and the id of an
/// erased address leads nowhere. A send already on its way (the mail service has it) cannot be called back.
/// </remarks>
public sealed class SubscriberErasure(IAmazonDynamoDB dynamo, SubscriberIds ids, SubscriberDirectory directory, IOptions<MyBlogOptions> options)
{
    private static readonly ActivitySource Activity = new("MyBlog.Subscribers");

    private string Table => options.Value.TableName;

    /// <summary>Erases the subscriber <paramref name="id"/>; false when there is none.</summary>
    public async Task<bool> EraseAsync(string id, CancellationToken ct)
    {
        using var span = Activity.StartActivity("subscriber.erase");
        span?.SetTag("myblog.subscriber.id", id);
        if (!SubscriberKeys.IsValidId(id))
        {
            return false;
        }
        var profile = ItemKey(SubscriberKeys.PartitionKey(id), SubscriberKeys.ProfileSortKey);
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = profile, ConsistentRead = true }, ct);
        if (response.Item is not { Count: > 0 } item || !EmailAddress.TryParse(item.String(Fields.Email), out var email, out _))
        {
            return false;
        }

        var legacyId = SubscriberIds.LegacyIdFor(email);
        var derived = new List<Dictionary<string, AttributeValue>>
        {
            ItemKey(SubscriberKeys.PartitionKey(legacyId), SubscriberKeys.ProfileSortKey),
            ItemKey(SubscriberKeys.AliasPrefix + ids.AliasFor(legacyId), SubscriberKeys.AliasSortKey),
            ItemKey(SubscriberKeys.MailboxPrefix + ids.MailboxFor(email), SubscriberKeys.MailboxSortKey),
        };
        foreach (var jobId in await directory.NewsletterJobIdsAsync(ct))
        {
            derived.Add(ItemKey(NewsletterStore.PartitionKey(jobId), NewsletterStore.RecipientPrefix + id));
            derived.Add(ItemKey(NewsletterStore.PartitionKey(jobId), NewsletterStore.RecipientPrefix + legacyId));
        }
        // Deleting a key that holds nothing is allowed and costs a write unit: cheaper than reading each first. One
        // delete each (not BatchWriteItem): the API's role may put, update and delete its items, nothing more.
        await Parallel.ForEachAsync(derived, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (key, token) => await dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = key }, token));
        await dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = profile }, ct);
        span?.SetTag("myblog.subscriber.erased_items", derived.Count + 1);
        return true;
    }
}
