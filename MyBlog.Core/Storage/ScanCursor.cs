using System.Buffers.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace MyBlog.Core.Storage;

/// <summary>
/// Where a scan or query stopped (DynamoDB's LastEvaluatedKey of string keys), as text to keep in an item or a
/// message and to resume from.
/// </summary>
public static class ScanCursor
{
    public static string Encode(Dictionary<string, AttributeValue> key) => Base64Url.EncodeToString(
        JsonSerializer.SerializeToUtf8Bytes(key.ToDictionary(k => k.Key, k => k.Value.S), CoreJson.Default.DictionaryStringString));

    /// <exception cref="FormatException">Not a cursor this wrote.</exception>
    public static Dictionary<string, AttributeValue> Decode(string cursor)
    {
        try
        {
            var key = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(cursor), CoreJson.Default.DictionaryStringString);
            return key?.ToDictionary(k => k.Key, k => new AttributeValue { S = k.Value })
                ?? throw new FormatException("An empty cursor.");
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            throw new FormatException("Not a scan cursor.", ex);
        }
    }
}
