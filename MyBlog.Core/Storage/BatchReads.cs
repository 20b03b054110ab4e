using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace MyBlog.Core.Storage;

/// <summary>Consistent reads of many items by key: BatchGetItem in hundreds, following its unprocessed keys.</summary>
public static class BatchReads
{
    public static async Task<List<Dictionary<string, AttributeValue>>> GetAllAsync(
        IAmazonDynamoDB dynamo, string table, IEnumerable<Dictionary<string, AttributeValue>> keys, CancellationToken ct)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        foreach (var chunk in keys.Chunk(100))
        {
            var request = new Dictionary<string, KeysAndAttributes> { [table] = new() { Keys = [.. chunk], ConsistentRead = true } };
            // A response stops at 16 MB (a hundred long posts can pass that); what it left out comes back as unprocessed keys.
            while (request.Count > 0)
            {
                var response = await dynamo.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = request }, ct);
                items.AddRange(response.Responses?.GetValueOrDefault(table) ?? []);
                request = response.UnprocessedKeys ?? [];
            }
        }
        return items;
    }
}
