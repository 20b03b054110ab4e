using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using MyBlog.Core.Uploads;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Core.Photos;

/// <summary>Photos in the single table under <c>PHOTO#{id}</c>.</summary>
public sealed class PhotoStore(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public const string PartitionPrefix = "PHOTO#";
    public const string SortKeyValue = "PHOTO";

    public async Task<Photo> CreateAsync(UploadRequest upload, string? traceParent, CancellationToken ct)
    {
        var photo = New(Guid.NewGuid().ToString("N"), upload);
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = options.Value.TableName,
            Item = ToItem(photo, traceParent),
            ConditionExpression = "attribute_not_exists(pk)",
        }, ct);
        return photo;
    }

    /// <summary>
    /// The photo <paramref name="id"/>, recorded now if it is not yet (an import names its photos by a hash of their
    /// bytes, so the same image imported twice is one photo). Created: whether this call recorded it.
    /// </summary>
    public async Task<(Photo Photo, bool Created)> EnsureAsync(string id, UploadRequest upload, CancellationToken ct)
    {
        var photo = New(id, upload);
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = options.Value.TableName,
                Item = ToItem(photo, null),
                ConditionExpression = "attribute_not_exists(pk)",
            }, ct);
            return (photo, true);
        }
        catch (ConditionalCheckFailedException)
        {
            return (await GetAsync(id, ct) ?? photo, false);
        }
    }

    private Photo New(string id, UploadRequest upload) => new(id, upload.FileName!.Trim(), upload.ContentType!.ToLowerInvariant(),
        upload.Size!.Value, PhotoStatus.AwaitingUpload, null, time.GetUtcNow());

    private static Dictionary<string, AttributeValue> ToItem(Photo photo, string? traceParent)
    {
        var item = Key(photo.Id);
        item["fileName"] = S(photo.FileName);
        item["contentType"] = S(photo.ContentType);
        item["declaredSize"] = N(photo.DeclaredSize);
        item["status"] = S(photo.Status);
        item["createdAt"] = Time(photo.CreatedAt);
        if (traceParent is not null)
        {
            item["traceparent"] = S(traceParent);
        }
        return item;
    }

    public async Task<Photo?> GetAsync(string id, CancellationToken ct)
    {
        if (!Photo.IsValidId(id))
        {
            return null;
        }
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = options.Value.TableName, Key = Key(id), ConsistentRead = true }, ct);
        if (!response.IsItemSet || response.Item.Count == 0)
        {
            return null;
        }
        return FromItem(id, response.Item);
    }

    /// <summary>The variants of the ready photos among <paramref name="ids"/>, by id: what a page can show.</summary>
    public async Task<Dictionary<string, PhotoImage>> GetReadyImagesAsync(IEnumerable<string> ids, CancellationToken ct) =>
        (await GetManyAsync(ids, ct)).Values.Where(p => p.Image is not null).ToDictionary(p => p.Id, p => p.Image!);

    /// <summary>The photos among <paramref name="ids"/> that exist (posts look up the photos they show).</summary>
    public async Task<Dictionary<string, Photo>> GetManyAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        var items = await BatchReads.GetAllAsync(dynamo, options.Value.TableName, ids.Where(Photo.IsValidId).Distinct().Select(Key), ct);
        return items.Select(item => item[MyBlogTable.PartitionKey].S[PartitionPrefix.Length..])
            .Zip(items, (id, item) => FromItem(id, item))
            .ToDictionary(p => p.Id);
    }

    /// <summary>
    /// Records the variants. Idempotent: a redelivered event for the same original writes the same values; once a
    /// photo is ready from one original, an event for a different one (a second PUT to the same URL) changes nothing,
    /// because its immutable URLs may already be cached. Returns false when that was the case.
    /// </summary>
    public Task<bool> MarkReadyAsync(PhotoImage image, string format, long originalBytes, string sourceETag, CancellationToken ct) =>
        TryUpdateAsync(new UpdateItemRequest
        {
            TableName = options.Value.TableName,
            Key = Key(image.Id),
            UpdateExpression = "SET #status = :ready, width = :w, height = :h, widths = :widths, #format = :format, " +
                               "originalBytes = :bytes, sourceEtag = :etag, processedAt = :now REMOVE failureReason",
            ConditionExpression = "attribute_exists(pk) AND (#status <> :ready OR sourceEtag = :etag)",
            ExpressionAttributeNames = new() { ["#status"] = "status", ["#format"] = "format" },
            ExpressionAttributeValues = new()
            {
                [":ready"] = S(PhotoStatus.Ready),
                [":w"] = N(image.Width),
                [":h"] = N(image.Height),
                [":widths"] = Numbers(image.Widths),
                [":format"] = S(format),
                [":bytes"] = N(originalBytes),
                [":etag"] = S(sourceETag),
                [":now"] = Time(time.GetUtcNow()),
            },
        }, ct);

    /// <summary>
    /// Takes the right to make this photo's variants from the original with <paramref name="sourceETag"/>, until
    /// <paramref name="until"/>. Two uploads to one URL (a second PUT) raise two events; were both processed at once,
    /// the immutable variant URLs could end up holding a mix of the two. The same original may be claimed again
    /// (a redelivered event), and an expired claim (its holder died) may be taken over. False: another original is
    /// being processed, or the photo is ready.
    /// </summary>
    public Task<bool> TryClaimProcessingAsync(string id, string sourceETag, DateTimeOffset until, CancellationToken ct) =>
        TryUpdateAsync(new UpdateItemRequest
        {
            TableName = options.Value.TableName,
            Key = Key(id),
            UpdateExpression = "SET processingEtag = :etag, processingUntil = :until",
            ConditionExpression = "attribute_exists(pk) AND #status <> :ready " +
                                  "AND (attribute_not_exists(processingUntil) OR processingUntil < :now OR processingEtag = :etag)",
            ExpressionAttributeNames = new() { ["#status"] = "status" },
            ExpressionAttributeValues = new()
            {
                [":ready"] = S(PhotoStatus.Ready),
                [":etag"] = S(sourceETag),
                [":until"] = N(until.ToUnixTimeMilliseconds()),
                [":now"] = N(time.GetUtcNow().ToUnixTimeMilliseconds()),
            },
        }, ct);

    /// <summary>The published posts that showed this photo before it was ready (<see cref="TryAwaitReadyAsync"/>).</summary>
    public const string AwaitingPostsAttribute = "awaitingPosts";

    /// <summary>
    /// Notes that the published post <paramref name="slug"/> shows this photo before it is ready, so the photo's
    /// becoming ready re-renders that page: the stream record of that change carries the list. False when the photo
    /// is ready already (the caller renders the page again now) or does not exist.
    /// </summary>
    public Task<bool> TryAwaitReadyAsync(string id, string slug, CancellationToken ct) =>
        TryUpdateAsync(new UpdateItemRequest
        {
            TableName = options.Value.TableName,
            Key = Key(id),
            UpdateExpression = "ADD #awaiting :slug",
            ConditionExpression = "attribute_exists(pk) AND #status <> :ready",
            ExpressionAttributeNames = new() { ["#status"] = "status", ["#awaiting"] = AwaitingPostsAttribute },
            ExpressionAttributeValues = new()
            {
                [":ready"] = S(PhotoStatus.Ready),
                [":slug"] = new AttributeValue { SS = [slug] },
            },
        }, ct);

    /// <summary>Records why a photo cannot be used; never overwrites a ready photo.</summary>
    public Task<bool> MarkFailedAsync(string id, string reason, string? sourceETag, long? originalBytes, CancellationToken ct)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":failed"] = S(PhotoStatus.Failed),
            [":ready"] = S(PhotoStatus.Ready),
            [":reason"] = Reason(reason),
            [":now"] = Time(time.GetUtcNow()),
        };
        var set = "SET #status = :failed, failureReason = :reason, processedAt = :now";
        if (sourceETag is not null)
        {
            set += ", sourceEtag = :etag";
            values[":etag"] = S(sourceETag);
        }
        if (originalBytes is not null)
        {
            set += ", originalBytes = :bytes";
            values[":bytes"] = N(originalBytes.Value);
        }
        return TryUpdateAsync(new UpdateItemRequest
        {
            TableName = options.Value.TableName,
            Key = Key(id),
            UpdateExpression = set,
            ConditionExpression = "attribute_exists(pk) AND #status <> :ready",
            ExpressionAttributeNames = new() { ["#status"] = "status" },
            ExpressionAttributeValues = values,
        }, ct);
    }

    private Task<bool> TryUpdateAsync(UpdateItemRequest request, CancellationToken ct) => dynamo.TryUpdateItemAsync(request, ct);

    private static Photo FromItem(string id, Dictionary<string, AttributeValue> item)
    {
        var status = item.String("status") ?? PhotoStatus.AwaitingUpload;
        var widths = item.TryGetValue("widths", out var w) && w.L is { Count: > 0 } list
            ? list.Select(x => int.Parse(x.N, CultureInfo.InvariantCulture)).ToList()
            : null;
        return new Photo(id, item.String("fileName") ?? "", item.String("contentType") ?? "",
            item.Long("declaredSize")!.Value, status, item.String("failureReason"), item.Time("createdAt")!.Value)
        {
            Image = status == PhotoStatus.Ready && widths is not null && item.Int("width") is { } width && item.Int("height") is { } height
                ? new PhotoImage(id, width, height, widths)
                : null,
            Format = item.String("format"),
            OriginalBytes = item.Long("originalBytes"),
            SourceETag = item.String("sourceEtag"),
        };
    }


    private static Dictionary<string, AttributeValue> Key(string id) => ItemKey(PartitionPrefix + id, SortKeyValue);
}
