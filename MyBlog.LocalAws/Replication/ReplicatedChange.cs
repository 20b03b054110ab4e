using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MyBlog.LocalAws.Replication;

/// <summary>
/// Which of two writes to one item is the last: the later time, then — for writes in the same instant — the region
/// name, so every replica picks the same one (global tables' "last writer wins", decided per item).
/// </summary>
/// <param name="Stamp">When the write was made (UTC ticks), as the region that made it saw it.</param>
public sealed record WriteVersion(long Stamp, string Region) : IComparable<WriteVersion>
{
    public int CompareTo(WriteVersion? other) =>
        other is null ? 1 : Stamp != other.Stamp ? Stamp.CompareTo(other.Stamp) : string.CompareOrdinal(Region, other.Region);

    public override string ToString() =>
        $"{new DateTime(Stamp, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture)} in {Region}";
}

/// <summary>
/// One item's change as it travels between replicas: its key, its new image (none for a delete) in DynamoDB's JSON,
/// exactly as the source region's stream carried it, and the write's version.
/// </summary>
public sealed record ReplicatedChange(JsonObject Keys, JsonObject? NewImage, long Stamp, string Region)
{
    public WriteVersion Version => new(Stamp, Region);

    /// <summary>The item's key as one string, the same in every region.</summary>
    public string ItemKey => ItemKeyOf(Keys);

    public string ImageHash => HashOf(NewImage);

    public static string ItemKeyOf(JsonObject keys) => Canonical(keys);

    /// <summary>
    /// A fingerprint of an item's image that two replicas agree on whatever order their streams list attributes and
    /// set members in, so a region recognises a change it applied for another when its own stream carries it back.
    /// </summary>
    public static string HashOf(JsonObject? image) => image is null
        ? "deleted"
        : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(image))))[..32];

    private static string Canonical(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(node, text);
        return text.ToString();
    }

    private static void Write(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case JsonObject obj:
                text.Append('{');
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append(name).Append(':');
                    if (name is "SS" or "NS" or "BS" && value is JsonArray set)
                    {
                        // Sets have no order; numbers are compared as numbers.
                        var members = set.Select(m => name == "NS" ? Number(m!.GetValue<string>()) : m!.GetValue<string>()).Order(StringComparer.Ordinal);
                        text.Append('[').AppendJoin(',', members).Append(']');
                    }
                    else if (name == "N" && value is JsonValue number)
                    {
                        text.Append(Number(number.GetValue<string>()));
                    }
                    else
                    {
                        Write(value, text);
                    }
                    text.Append(';');
                }
                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                foreach (var item in array)
                {
                    Write(item, text);
                    text.Append(',');
                }
                text.Append(']');
                break;
            default:
                text.Append(node?.ToJsonString() ?? "null");
                break;
        }
    }

    private static string Number(string value) =>
        decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? (d / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture)
            : value;
}
