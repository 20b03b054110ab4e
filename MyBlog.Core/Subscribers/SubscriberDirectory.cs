using System.Buffers.Text;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;
using Fields = MyBlog.Core.Subscribers.SubscriberStore.SubscriberFields;

namespace MyBlog.Core.Subscribers;

/// <summary>One subscriber as the author's list shows it.</summary>
public sealed record SubscriberRow(
    string Id, string Email, string? Name, SubscriberState State, DateTimeOffset? SubscribedAt,
    DateTimeOffset? ConfirmedAt, DateTimeOffset? UnsubscribedAt, string? MailBlocked);

/// <summary>A page of the list, and where the next one starts (null after the last).</summary>
public sealed record SubscriberPage(IReadOnlyList<SubscriberRow> Subscribers, string? Next);

/// <summary>How many subscribers are in each state.</summary>
public sealed record SubscriberCounts(int Pending, int Confirmed, int Unsubscribed, int Bounced, int Complained)
{
    public int Total => Pending + Confirmed + Unsubscribed + Bounced + Complained;
}

/// <summary>
/// The author's view of the subscribers, read from the directory index (<see cref="MyBlogTable.DirectoryIndex"/>):
/// each state is a partition in address order, so a page reads one query per state (in parallel) and merges them, a
/// search by the start of an address reads only the addresses that match, and a count reads one state's keys. None of
/// it scans the table, so it costs the same with a hundred subscribers or a hundred thousand.
/// </summary>
public sealed class SubscriberDirectory(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    /// <summary>The partition every newsletter job is filed under, so erasing a subscriber finds the jobs it may have a marker in.</summary>
    public const string NewsletterJobs = "NEWSLETTERS";

    /// <summary>Above every character an address can hold (U+10FFFF): the end of a prefix's range.</summary>
    private const string AfterEverything = "\U0010FFFF";

    private string Table => options.Value.TableName;

    /// <summary>
    /// Subscribers in address order: in <paramref name="state"/> (all when null), whose address starts with
    /// <paramref name="search"/> (any when null), after the cursor <paramref name="after"/> from the page before.
    /// </summary>
    /// <exception cref="FormatException">The cursor is not one a page gave.</exception>
    public async Task<SubscriberPage> PageAsync(SubscriberState? state, string? search, string? after, int size, CancellationToken ct)
    {
        size = Math.Clamp(size, 1, MaxPageSize);
        var from = after is null ? null : DecodeCursor(after);
        var prefix = string.IsNullOrWhiteSpace(search) ? null : search.Trim().ToLowerInvariant();
        SubscriberState[] states = state is { } s ? [s] : Enum.GetValues<SubscriberState>();
        var pages = await Task.WhenAll(states.Select(st => QueryAsync(st, prefix, from, size + 1, ct)));
        var rows = pages.SelectMany(p => p.Rows)
            .Where(r => from is null || string.CompareOrdinal(r.Email, from) > 0)
            .OrderBy(r => r.Email, StringComparer.Ordinal)
            .ToList();
        var more = rows.Count > size || pages.Any(p => p.More);
        var shown = rows.Take(size).ToList();
        return new SubscriberPage(shown, more && shown.Count > 0 ? EncodeCursor(shown[^1].Email) : null);
    }

    /// <summary>How many subscribers are in each state (reads each state's keys once; a few requests per hundred thousand).</summary>
    public async Task<SubscriberCounts> CountAsync(CancellationToken ct)
    {
        var counts = await Task.WhenAll(Enum.GetValues<SubscriberState>().Select(async state =>
        {
            var total = await dynamo.CountAllAsync(new QueryRequest
            {
                TableName = Table,
                IndexName = MyBlogTable.DirectoryIndex,
                KeyConditionExpression = "#dpk = :state",
                ExpressionAttributeNames = new() { ["#dpk"] = MyBlogTable.DirectoryPartitionKey },
                ExpressionAttributeValues = new() { [":state"] = S(SubscriberKeys.DirectoryPartition(state)) },
            }, ct);
            return (state, total);
        }));
        int Of(SubscriberState state) => counts.Single(c => c.state == state).total;
        return new SubscriberCounts(Of(SubscriberState.Pending), Of(SubscriberState.Confirmed), Of(SubscriberState.Unsubscribed),
            Of(SubscriberState.Bounced), Of(SubscriberState.Complained));
    }

    /// <summary>The most rows one part of the export holds: about 1.5 MB of CSV, far inside what one API response may carry.</summary>
    public const int MaxExportPart = 20_000;

    /// <summary>
    /// One part of the export: every subscriber, state by state, each in address order, from <paramref name="cursor"/>
    /// (the <c>Next</c> of the part before; null for the first) — at most <paramref name="size"/> rows.
    /// </summary>
    /// <exception cref="FormatException">The cursor is not one a part gave.</exception>
    public async Task<SubscriberPage> ExportPartAsync(string? cursor, int size, CancellationToken ct)
    {
        size = Math.Clamp(size, 1, MaxExportPart);
        var states = Enum.GetValues<SubscriberState>();
        var (first, after) = cursor is null ? (0, null) : DecodeExportCursor(cursor, states.Length);
        var rows = new List<SubscriberRow>();
        for (var i = first; i < states.Length; i++, after = null)
        {
            var (found, _) = await QueryAsync(states[i], null, after, size - rows.Count + 1, ct);
            rows.AddRange(found.Where(r => after is null || string.CompareOrdinal(r.Email, after) > 0).Take(size - rows.Count));
            if (rows.Count == size)
            {
                return new SubscriberPage(rows, $"{i}.{EncodeCursor(rows[^1].Email)}");
            }
        }
        return new SubscriberPage(rows, null);
    }

    private static (int State, string After) DecodeExportCursor(string cursor, int states) =>
        cursor.Split('.', 2) is [var state, var after] && int.TryParse(state, out var index) && index >= 0 && index < states
            ? (index, DecodeCursor(after))
            : throw new FormatException("Not a cursor of the export.");

    /// <summary>Every newsletter job's id (a few hundred for a blog with as many posts).</summary>
    public async Task<IReadOnlyList<string>> NewsletterJobIdsAsync(CancellationToken ct)
    {
        var items = await dynamo.QueryAllAsync(new QueryRequest
        {
            TableName = Table,
            IndexName = MyBlogTable.DirectoryIndex,
            KeyConditionExpression = "#dpk = :jobs",
            ExpressionAttributeNames = new() { ["#dpk"] = MyBlogTable.DirectoryPartitionKey, ["#pk"] = MyBlogTable.PartitionKey },
            ExpressionAttributeValues = new() { [":jobs"] = S(NewsletterJobs) },
            ProjectionExpression = "#pk",
        }, ct);
        return [.. items.Select(i => Newsletter.NewsletterStore.JobIdFromPartitionKey(i.String(MyBlogTable.PartitionKey))).OfType<string>()];
    }

    private async Task<(List<SubscriberRow> Rows, bool More)> QueryAsync(
        SubscriberState state, string? prefix, string? after, int limit, CancellationToken ct)
    {
        var rows = new List<SubscriberRow>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await dynamo.QueryAsync(Query(state, prefix, after, limit - rows.Count, start), ct);
            rows.AddRange((response.Items ?? []).Select(ToRow).OfType<SubscriberRow>());
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null && rows.Count < limit);
        return (rows, start is not null);
    }

    private QueryRequest Query(SubscriberState state, string? prefix, string? after, int? limit, Dictionary<string, AttributeValue>? start)
    {
        var query = new QueryRequest
        {
            TableName = Table,
            IndexName = MyBlogTable.DirectoryIndex,
            ExpressionAttributeNames = new() { ["#dpk"] = MyBlogTable.DirectoryPartitionKey },
            ExpressionAttributeValues = new() { [":state"] = S(SubscriberKeys.DirectoryPartition(state)) },
            ExclusiveStartKey = start,
        };
        // The address range: from the cursor (exclusive; the row at it is dropped) or the prefix, to the prefix's end.
        var low = after is null ? prefix : prefix is null || string.CompareOrdinal(after, prefix) > 0 ? after : prefix;
        if (low is not null)
        {
            query.ExpressionAttributeNames["#dsk"] = MyBlogTable.DirectorySortKey;
            query.ExpressionAttributeValues[":low"] = S(low);
            if (prefix is null)
            {
                query.KeyConditionExpression = "#dpk = :state AND #dsk >= :low";
            }
            else
            {
                query.KeyConditionExpression = "#dpk = :state AND #dsk BETWEEN :low AND :high";
                query.ExpressionAttributeValues[":high"] = S(prefix + AfterEverything);
            }
        }
        else
        {
            query.KeyConditionExpression = "#dpk = :state";
        }
        if (limit is { } l)
        {
            query.Limit = Math.Max(1, l);
        }
        return query;
    }

    private static SubscriberRow? ToRow(Dictionary<string, AttributeValue> item)
    {
        if (SubscriberKeys.IdFromPartitionKey(item.String(MyBlogTable.PartitionKey)) is not { } id || item.String(Fields.Email) is not { } email)
        {
            return null;
        }
        var status = Enum.TryParse<SubscriberStatus>(item.String(Fields.Status), ignoreCase: true, out var parsed) ? parsed : SubscriberStatus.Pending;
        var blocked = item.String(Fields.MailBlocked);
        return new SubscriberRow(id, email, item.String(Fields.Name), SubscriberStates.Of(status, blocked),
            item.Time(Fields.SubscribedAt), item.Time(Fields.ConfirmedAt), item.Time(Fields.UnsubscribedAt), blocked);
    }

    private static string EncodeCursor(string email) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(email));

    private static string DecodeCursor(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw new FormatException("Not a cursor of the subscriber list.");
        }
    }
}
