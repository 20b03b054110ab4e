using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;

namespace MyBlog.Core.Photos;

/// <summary>Photos in the single table under <c>PHOTO#{id}</c>.</summary>
public sealed class PhotoStore(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public const string PartitionPrefix = "PHOTO#";
    public const string SortKeyValue = "PHOTO";

    public async Task<Photo> CreateAsync(PhotoUploadRequest upload, string? traceParent, CancellationToken ct)
    {
        var photo = new Photo(Guid.NewGuid().ToString("N"), upload.FileName!.Trim(), upload.ContentType!.ToLowerInvariant(),
            upload.Size!.Value, PhotoStatus.AwaitingUpload, null, time.GetUtcNow());
        var item = Key(photo.Id);
        item["fileName"] = new AttributeValue(photo.FileName);
        item["contentType"] = new AttributeValue(photo.ContentType);
        item["declaredSize"] = new AttributeValue { N = photo.DeclaredSize.ToString(CultureInfo.InvariantCulture) };
        item["status"] = new AttributeValue(photo.Status);
        item["createdAt"] = new AttributeValue(photo.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        if (traceParent is not null)
        {
            item["traceparent"] = new AttributeValue(traceParent);
        }
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = options.Value.TableName,
            Item = item,
            ConditionExpression = "attribute_not_exists(pk)",
        }, ct);
        return photo;
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
        var item = response.Item;
        string? Str(string name) => item.TryGetValue(name, out var v) ? v.S : null;
        return new Photo(id, Str("fileName") ?? "", Str("contentType") ?? "",
            long.Parse(item["declaredSize"].N, CultureInfo.InvariantCulture), Str("status") ?? PhotoStatus.AwaitingUpload,
            Str("failureReason"), DateTimeOffset.Parse(Str("createdAt")!, CultureInfo.InvariantCulture));
    }

    private static Dictionary<string, AttributeValue> Key(string id) => new()
    {
        [MyBlogTable.PartitionKey] = new AttributeValue(PartitionPrefix + id),
        [MyBlogTable.SortKey] = new AttributeValue(SortKeyValue),
    };
}
