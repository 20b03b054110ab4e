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
