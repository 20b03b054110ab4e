using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using MyBlog.Core.Uploads;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Core.Imports;

/// <summary>
/// Imports in the single table under <c>IMPORT#{id}</c>. The results travel as one gzipped JSON attribute: a
/// thousand files' outcomes are a few tens of kilobytes that way, well inside an item's 400 KB.
/// </summary>
public sealed class ImportStore(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public const string PartitionPrefix = "IMPORT#";
    public const string SortKeyValue = "IMPORT";

    private string Table => options.Value.TableName;

    public async Task<ImportJob> CreateAsync(UploadRequest upload, CancellationToken ct, bool ofSubscribers = false)
    {
        var job = new ImportJob(Guid.NewGuid().ToString("N"), upload.FileName!.Trim(), upload.Size!.Value, ImportStatus.Pending, time.GetUtcNow())
        {
            OfSubscribers = ofSubscribers,
        };
        var item = Key(job.Id);
        if (ofSubscribers)
        {
            item["ofSubscribers"] = Bool(true);
        }
        item["fileName"] = S(job.FileName);
        item["declaredSize"] = N(job.DeclaredSize);
        item["status"] = S(job.Status);
        item["createdAt"] = Time(job.CreatedAt);
        await dynamo.PutItemAsync(new PutItemRequest { TableName = Table, Item = item, ConditionExpression = "attribute_not_exists(pk)" }, ct);
        return job;
    }

    public async Task<ImportJob?> GetAsync(string id, CancellationToken ct)
    {
        if (!Photos.Photo.IsValidId(id))
        {
            return null;
        }
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(id), ConsistentRead = true }, ct);
        return response.IsItemSet && response.Item.Count > 0 ? FromItem(id, response.Item) : null;
    }

    /// <summary>
    /// Takes the import to run it until <paramref name="until"/>: a pending one, or a running one whose runner's
    /// lease has ended (it was stopped mid-way; the files it finished are skipped as unchanged on the second run).
    /// Each start is counted, and a run that ends in a failure it could report says so (<see cref="ReleaseAsync"/>),
    /// so a start can tell runs that vanished without a word (<see cref="ImportStart.Vanished"/>). Null: it is done,
    /// or someone else is running it.
    /// </summary>
    public async Task<ImportStart?> TryStartAsync(string id, DateTimeOffset until, CancellationToken ct)
    {
        try
        {
            var response = await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = Key(id),
                UpdateExpression = "SET #status = :running, leaseUntil = :until, attempts = if_not_exists(attempts, :zero) + :one, " +
                                   "released = if_not_exists(released, :zero)",
                ConditionExpression = "attribute_exists(pk) AND (#status = :pending OR (#status = :running AND leaseUntil < :now))",
                ExpressionAttributeNames = new() { ["#status"] = "status" },
                ExpressionAttributeValues = new()
                {
                    [":running"] = S(ImportStatus.Running),
                    [":pending"] = S(ImportStatus.Pending),
                    [":until"] = N(until.ToUnixTimeMilliseconds()),
                    [":now"] = N(time.GetUtcNow().ToUnixTimeMilliseconds()),
                    [":zero"] = N(0),
                    [":one"] = N(1),
                },
                ReturnValues = ReturnValue.ALL_NEW,
            }, ct);
            var attempts = response.Attributes.Int("attempts") ?? 0;
            return new ImportStart(attempts, Vanished: attempts - 1 - (response.Attributes.Int("released") ?? 0));
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Lets go of a run that failed (storage away, say), so the message's next delivery can take it at once; a run
    /// that was frozen mid-way cannot, and its lease ends before the queue delivers the message again.
    /// </summary>
    public Task ReleaseAsync(string id, CancellationToken ct) =>
        dynamo.TryUpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(id),
            UpdateExpression = "SET leaseUntil = :zero ADD released :one",
            ConditionExpression = "#status = :running",
            ExpressionAttributeNames = new() { ["#status"] = "status" },
            ExpressionAttributeValues = new() { [":zero"] = N(0), [":one"] = N(1), [":running"] = S(ImportStatus.Running) },
        }, ct);

    /// <summary>The results so far, for the author watching (the import is still running).</summary>
    public Task ReportAsync(string id, string? format, IReadOnlyList<ImportFileResult> results, CancellationToken ct,
        IReadOnlyDictionary<string, int>? tally = null) =>
        WriteAsync(id, ImportStatus.Running, format, results, error: null, tally, ct);

    public Task FinishAsync(string id, string? format, IReadOnlyList<ImportFileResult> results, string? error, CancellationToken ct,
        IReadOnlyDictionary<string, int>? tally = null) =>
        WriteAsync(id, error is null ? ImportStatus.Done : ImportStatus.Failed, format, results, error, tally, ct);

    private async Task WriteAsync(string id, string status, string? format, IReadOnlyList<ImportFileResult> results, string? error,
        IReadOnlyDictionary<string, int>? tally, CancellationToken ct)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":status"] = S(status),
            [":results"] = new AttributeValue { B = new MemoryStream(Compress(results)) },
        };
        var names = new Dictionary<string, string> { ["#status"] = "status" };
        var set = "SET #status = :status, results = :results";
        if (format is not null)
        {
            set += ", #format = :format";
            names["#format"] = "format";
            values[":format"] = S(format);
        }
        if (tally is not null)
        {
            set += ", tally = :tally";
            values[":tally"] = new AttributeValue { M = tally.ToDictionary(t => t.Key, t => N(t.Value)) };
        }
        if (error is not null)
        {
            set += ", #error = :error";
            names["#error"] = "error";
            values[":error"] = Reason(error);
        }
        if (status != ImportStatus.Running)
        {
            set += ", finishedAt = :now REMOVE leaseUntil";
            values[":now"] = Time(time.GetUtcNow());
        }
        await dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(id),
            UpdateExpression = set,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        }, ct);
    }

    private static byte[] Compress(IReadOnlyList<ImportFileResult> results)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, results
                .Select(r => r.Error is { Length: > MaxReasonLength } error ? r with { Error = error[..MaxReasonLength] } : r)
                .Select(r => r.Note is { Length: > MaxReasonLength } note ? r with { Note = note[..MaxReasonLength] } : r)
                .ToList(), CoreJson.Default.ListImportFileResult);
        }
        return buffer.ToArray();
    }

    private static List<ImportFileResult> Decompress(MemoryStream compressed)
    {
        compressed.Position = 0;
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        return JsonSerializer.Deserialize(gzip, CoreJson.Default.ListImportFileResult) ?? [];
    }

    private static ImportJob FromItem(string id, Dictionary<string, AttributeValue> item)
    {
        return new ImportJob(id, item.String("fileName") ?? "", item.Long("declaredSize")!.Value,
            item.String("status") ?? ImportStatus.Pending, item.Time("createdAt")!.Value)
        {
            OfSubscribers = item.TryGetValue("ofSubscribers", out var list) && list.BOOL == true,
            Format = item.String("format"),
            Error = item.String("error"),
            RunnerLeaseUntil = item.Millis("leaseUntil"),
            Results = item.TryGetValue("results", out var results) && results.B is { } bytes ? Decompress(bytes) : [],
            FinishedAt = item.Time("finishedAt"),
            Tally = item.TryGetValue("tally", out var tally) && tally.M is { Count: > 0 } counts
                ? counts.ToDictionary(c => c.Key, c => int.Parse(c.Value.N, System.Globalization.CultureInfo.InvariantCulture))
                : null,
        };
    }



    private static Dictionary<string, AttributeValue> Key(string id) => ItemKey(PartitionPrefix + id, SortKeyValue);
}
