using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace MyBlog.Core.Storage;

public static class ConditionalWrites
{
    /// <summary>A conditional update: false (and nothing changed) when its condition does not hold.</summary>
    public static async Task<bool> TryUpdateItemAsync(this IAmazonDynamoDB dynamo, UpdateItemRequest request, CancellationToken ct)
    {
        try
        {
            await dynamo.UpdateItemAsync(request, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>A conditional delete: false (and nothing deleted) when its condition does not hold.</summary>
    public static async Task<bool> TryDeleteItemAsync(this IAmazonDynamoDB dynamo, DeleteItemRequest request, CancellationToken ct)
    {
        try
        {
            await dynamo.DeleteItemAsync(request, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Takes an item once: a conditional delete that answers what was deleted, or null when the condition did not
    /// hold (gone, taken by someone else first, out of date). Two takers at once: one gets it.
    /// </summary>
    public static async Task<Dictionary<string, AttributeValue>?> TryTakeItemAsync(this IAmazonDynamoDB dynamo, DeleteItemRequest request, CancellationToken ct)
    {
        request.ReturnValues = ReturnValue.ALL_OLD;
        try
        {
            return (await dynamo.DeleteItemAsync(request, ct)).Attributes;
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }
}

/// <summary>Reads that span DynamoDB's pages.</summary>
public static class Queries
{
    /// <summary>Every item the query finds, page after page (each page at most 1 MB, as DynamoDB answers).</summary>
    public static async Task<List<Dictionary<string, AttributeValue>>> QueryAllAsync(this IAmazonDynamoDB dynamo, QueryRequest request, CancellationToken ct)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        do
        {
            var page = await dynamo.QueryAsync(request, ct);
            items.AddRange(page.Items);
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
        return items;
    }

    /// <summary>How many items the query finds, page after page (a count reads each page's keys, as a query does).</summary>
    public static async Task<int> CountAllAsync(this IAmazonDynamoDB dynamo, QueryRequest request, CancellationToken ct)
    {
        request.Select = Select.COUNT;
        var count = 0;
        do
        {
            var page = await dynamo.QueryAsync(request, ct);
            count += page.Count ?? 0;
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
        return count;
    }
}
