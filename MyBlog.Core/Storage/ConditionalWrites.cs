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
}
