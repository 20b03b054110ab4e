using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;
using Fields = MyBlog.Core.Subscribers.SubscriberStore.SubscriberFields;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// Files the subscribers and newsletter jobs written before the directory index existed (every write since files
/// its item itself), a page at a time from where the last run stopped, and records when none is left — after that
/// each call costs one read. Each item is filed only if it is still as it was read, so a status change meanwhile is
/// never overwritten with the old one; such an item is filed by the next run.
/// </summary>
public sealed class DirectoryFiling(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public const string StatePartitionKey = "MIGRATION#subscriber-directory";

    private string Table => options.Value.TableName;

    private static Dictionary<string, AttributeValue> StateKey() => ItemKey(StatePartitionKey, "STATE");

    /// <summary>Files what is left until <paramref name="stopBy"/>; how many items it filed, and whether none is left.</summary>
    public async Task<(int Filed, bool Finished)> RunAsync(DateTimeOffset stopBy, CancellationToken ct)
    {
        var state = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = StateKey(), ConsistentRead = true }, ct);
        if (state.Item?.GetValueOrDefault("done")?.BOOL == true)
        {
            return (0, true);
        }
        var cursor = state.Item?.GetValueOrDefault("cursor")?.S;
        var filed = 0;
        do
        {
            var response = await dynamo.ScanAsync(new ScanRequest
            {
                TableName = Table,
                ConsistentRead = true,
                Limit = 500,
                FilterExpression = "attribute_not_exists(#dsk) AND ((begins_with(#pk, :subscriber) AND #sk = :profile AND attribute_exists(#idv)) " +
                                   "OR (begins_with(#pk, :newsletter) AND #sk = :job))",
                ExpressionAttributeNames = new()
                {
                    ["#pk"] = MyBlogTable.PartitionKey, ["#sk"] = MyBlogTable.SortKey, ["#dsk"] = MyBlogTable.DirectorySortKey, ["#idv"] = Fields.IdVersion,
                },
                ExpressionAttributeValues = new()
                {
                    [":subscriber"] = S(SubscriberKeys.PartitionPrefix),
                    [":profile"] = S(SubscriberKeys.ProfileSortKey),
                    [":newsletter"] = S(Newsletter.NewsletterStore.PartitionPrefix),
                    [":job"] = S(Newsletter.NewsletterStore.JobSortKey),
                },
                ExclusiveStartKey = cursor is null ? null : ScanCursor.Decode(cursor),
            }, ct);
            foreach (var item in response.Items ?? [])
            {
                filed += await FileAsync(item, ct) ? 1 : 0;
            }
            cursor = response.LastEvaluatedKey is { Count: > 0 } last ? ScanCursor.Encode(last) : null;
            var record = new Dictionary<string, AttributeValue>(StateKey()) { ["done"] = Bool(cursor is null) };
            if (cursor is not null)
            {
                record["cursor"] = S(cursor);
            }
            await dynamo.PutItemAsync(new PutItemRequest { TableName = Table, Item = record }, ct);
        }
        while (cursor is not null && time.GetUtcNow() < stopBy);
        return (filed, cursor is null);
    }

    private async Task<bool> FileAsync(Dictionary<string, AttributeValue> item, CancellationToken ct)
    {
        var pk = item.String(MyBlogTable.PartitionKey)!;
        var names = new Dictionary<string, string> { ["#dpk"] = MyBlogTable.DirectoryPartitionKey, ["#dsk"] = MyBlogTable.DirectorySortKey };
        var values = new Dictionary<string, AttributeValue>();
        var condition = "attribute_exists(pk) AND attribute_not_exists(#dsk)";
        if (Newsletter.NewsletterStore.JobIdFromPartitionKey(pk) is { } jobId && !pk.StartsWith(SubscriberKeys.PartitionPrefix, StringComparison.Ordinal))
        {
            values[":dpk"] = S(SubscriberDirectory.NewsletterJobs);
            values[":dsk"] = S(jobId);
        }
        else if (item.String(Fields.Email) is { } email)
        {
            var status = Enum.TryParse<SubscriberStatus>(item.String(Fields.Status), ignoreCase: true, out var parsed) ? parsed : SubscriberStatus.Pending;
            var blocked = item.String(Fields.MailBlocked);
            values[":dpk"] = S(SubscriberKeys.DirectoryPartition(status, blocked));
            values[":dsk"] = S(email);
            names["#status"] = Fields.Status;
            names["#blocked"] = Fields.MailBlocked;
            values[":status"] = item[Fields.Status];
            condition += " AND #status = :status AND " + (blocked is null ? "attribute_not_exists(#blocked)" : "#blocked = :blocked");
            if (blocked is not null)
            {
                values[":blocked"] = item[Fields.MailBlocked];
            }
        }
        else
        {
            return false;
        }
        return await dynamo.TryUpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = ItemKey(pk, item.String(MyBlogTable.SortKey)!),
            UpdateExpression = "SET #dpk = :dpk, #dsk = :dsk",
            ConditionExpression = condition,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        }, ct);
    }
}
