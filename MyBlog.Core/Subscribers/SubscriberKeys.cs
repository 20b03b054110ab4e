namespace MyBlog.Core.Subscribers;

/// <summary>
/// Where subscribers live in the single table. A subscriber's id is an HMAC of the address (<see cref="SubscriberIds"/>),
/// so links in emails and keys in logs never carry the address, and nobody without the key can tell whose it is.
/// </summary>
public static class SubscriberKeys
{
    public const string PartitionPrefix = "SUBSCRIBER#";
    public const string ProfileSortKey = "PROFILE";

    /// <summary>Where a subscriber of the first, unkeyed kind of id moved to (links sent before the move name the old id).</summary>
    public const string AliasPrefix = "SUBSCRIBER-ALIAS#";
    public const string AliasSortKey = "ALIAS";

    /// <summary>How often a mailbox (<see cref="SubscriberIds.MailboxFor"/>) has been sent a welcome lately, and when the next may go.</summary>
    public const string MailboxPrefix = "MAILBOX#";
    public const string MailboxSortKey = "WELCOMES";

    /// <summary>The state of moving subscribers from unkeyed ids to keyed ones (<see cref="SubscriberIdMigration"/>).</summary>
    public const string MigrationPartitionKey = "MIGRATION#subscriber-ids";
    public const string MigrationSortKey = "STATE";

    /// <summary>
    /// The list index's partition for subscribers who are owed a welcome email (a sparse index: an item is in it only
    /// while the welcome is owed), sorted by when it is next due.
    /// </summary>
    public const string WelcomeOwedList = "WELCOME#OWED";

    /// <summary>
    /// The owed list of the welcomes <paramref name="region"/> sends: with a stack in several regions each region
    /// sweeps only the welcomes it owns. Without a region (and for items from before regions), the one list.
    /// </summary>
    public static string WelcomeOwedListFor(string? region) => region is null ? WelcomeOwedList : $"{WelcomeOwedList}#{region}";

    /// <summary>A due time as the index's sort key: fixed-width UTC, so text order is time order.</summary>
    public static string DueSortKey(DateTimeOffset due) =>
        due.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The directory index's partitions (<see cref="Storage.MyBlogTable.DirectoryIndex"/>): one per state, in address order.</summary>
    public const string DirectoryPrefix = "SUBSCRIBERS#";

    /// <summary>The directory partition of a subscriber of <paramref name="status"/> whose mail is blocked for <paramref name="mailBlocked"/> (if it is).</summary>
    public static string DirectoryPartition(SubscriberStatus status, string? mailBlocked) =>
        DirectoryPrefix + SubscriberStates.Of(status, mailBlocked).ToString().ToLowerInvariant();

    public static string DirectoryPartition(SubscriberState state) => DirectoryPrefix + state.ToString().ToLowerInvariant();

    public static string PartitionKey(string subscriberId) => PartitionPrefix + subscriberId;

    public static bool IsValidId(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    public static string? IdFromPartitionKey(string? pk) =>
        pk is not null && pk.StartsWith(PartitionPrefix, StringComparison.Ordinal) && IsValidId(pk[PartitionPrefix.Length..])
            ? pk[PartitionPrefix.Length..]
            : null;
}
