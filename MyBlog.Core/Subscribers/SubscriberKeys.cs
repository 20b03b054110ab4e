using System.Security.Cryptography;
using System.Text;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// A subscriber's identity derives from the normalized address, so the same person subscribing twice writes the
/// same key and DynamoDB — not a read-then-write race — decides who is new. The id is a hash, so links in emails
/// and keys in logs never carry the address itself.
/// </summary>
public static class SubscriberKeys
{
    public const string PartitionPrefix = "SUBSCRIBER#";
    public const string ProfileSortKey = "PROFILE";

    /// <summary>
    /// The list index's partition for subscribers who are owed a welcome email (a sparse index: an item is in it only
    /// while the welcome is owed), sorted by when it is next due.
    /// </summary>
    public const string WelcomeOwedList = "WELCOME#OWED";

    /// <summary>A due time as the index's sort key: fixed-width UTC, so text order is time order.</summary>
    public static string DueSortKey(DateTimeOffset due) =>
        due.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static string IdFor(EmailAddress email) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.Value)))[..32];

    public static string PartitionKey(string subscriberId) => PartitionPrefix + subscriberId;

    public static bool IsValidId(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    public static string? IdFromPartitionKey(string? pk) =>
        pk is not null && pk.StartsWith(PartitionPrefix, StringComparison.Ordinal) && IsValidId(pk[PartitionPrefix.Length..])
            ? pk[PartitionPrefix.Length..]
            : null;
}
