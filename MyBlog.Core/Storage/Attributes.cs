using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace MyBlog.Core.Storage;

/// <summary>
/// The table's item attributes, written and read one way by every store: strings, invariant numbers, ISO 8601 times
/// (<c>O</c>), and the item key. <c>using static</c> it; a store then names only its own attributes.
/// </summary>
public static class Attributes
{
    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue Bool(bool value) => new() { BOOL = value };

    /// <summary>The most characters a recorded reason keeps (why a send, a photo or an import failed).</summary>
    public const int MaxReasonLength = 500;

    /// <summary>
    /// A reason as stored: a server's answer or an exception's message can be any length, and the item must stay far
    /// from DynamoDB's 400 KB; the start says what happened.
    /// </summary>
    public static AttributeValue Reason(string text) => S(text.Length <= MaxReasonLength ? text : text[..MaxReasonLength]);

    public static AttributeValue Strings(IEnumerable<string> values) => new() { L = values.Select(S).ToList() };

    public static AttributeValue Numbers(IEnumerable<int> values) => new() { L = values.Select(v => N(v)).ToList() };

    /// <summary>The <see cref="MyBlogTable.TimeToLive"/> value for an item worthless after <paramref name="at"/>.</summary>
    public static AttributeValue DeleteAfter(DateTimeOffset at) => N(at.ToUnixTimeSeconds());

    /// <summary>A time as stored: ISO 8601 with its offset, sortable as text.</summary>
    public static string Iso(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    public static AttributeValue Time(DateTimeOffset at) => S(Iso(at));

    /// <summary>The item's key: partition and sort key.</summary>
    public static Dictionary<string, AttributeValue> ItemKey(string partitionKey, string sortKey) => new()
    {
        [MyBlogTable.PartitionKey] = S(partitionKey),
        [MyBlogTable.SortKey] = S(sortKey),
    };

    public static string? String(this IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    public static long? Long(this IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is not null ? long.Parse(value.N, CultureInfo.InvariantCulture) : null;

    public static int? Int(this IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is not null ? int.Parse(value.N, CultureInfo.InvariantCulture) : null;

    /// <summary>A time stored as <see cref="Time"/>, or null.</summary>
    public static DateTimeOffset? Time(this IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.String(name) is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture) : null;

    /// <summary>A time stored as Unix milliseconds (leases, due times: compared as numbers in conditions), or null.</summary>
    public static DateTimeOffset? Millis(this IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.Long(name) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public static IReadOnlyList<string> StringList(this IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.L is { } list ? list.Select(v => v.S).ToList() : [];
}

/// <summary>Writes that must happen together or not at all.</summary>
public static class Transactions
{
    /// <summary>
    /// The writes as one transaction: true when all were made, false when a condition did not hold (another writer
    /// got there first), so nothing was.
    /// </summary>
    public static async Task<bool> TryTransactAsync(this IAmazonDynamoDB dynamo, IEnumerable<TransactWriteItem> writes, CancellationToken ct)
    {
        try
        {
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [.. writes] }, ct);
            return true;
        }
        catch (TransactionCanceledException)
        {
            return false;
        }
    }

    /// <summary>One update of a transaction.</summary>
    public static TransactWriteItem Update(string table, Dictionary<string, AttributeValue> key, string expression,
        Dictionary<string, string> names, Dictionary<string, AttributeValue> values, string? condition = null) => new()
        {
            Update = new Update
            {
                TableName = table,
                Key = key,
                UpdateExpression = expression,
                ConditionExpression = condition,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            },
        };
}
