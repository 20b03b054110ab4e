using System.Globalization;

namespace MyBlog.Core.Posts;

/// <summary>
/// Scheduled publishing. A scheduled draft carries its time (<see cref="Post.ScheduledAt"/>) and a schedule item
/// beside it in the list index under <see cref="ListKey"/>, ordered by time, written in one transaction with the post
/// — so moving a schedule replaces it (one post, one schedule) and publishing or cancelling removes it. Whatever runs
/// the clock publishes each post that is due (<see cref="PostStore.DueAsync"/>, <see cref="PostStore.PublishDueAsync"/>).
/// </summary>
public static class PublishSchedule
{
    public const string SortKeyValue = "SCHEDULE";

    /// <summary>The list-index partition of schedule items; their sort key is the time, then the slug.</summary>
    public const string ListKey = "POSTS#scheduled";

    /// <summary>How far ahead a post may be scheduled.</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(366);

    /// <summary>
    /// Schedules keep whole seconds, rounded up: a timer that fires to the second (as schedulers do) must never fire
    /// before the post's time and find it not yet due.
    /// </summary>
    public static DateTimeOffset Normalize(DateTimeOffset at)
    {
        var whole = new DateTimeOffset(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        return whole == at ? whole : whole.AddSeconds(1);
    }

    public static string SortKey(DateTimeOffset at, string slug) => Stamp(at) + "#" + slug;

    /// <summary>Every schedule item at or before <paramref name="now"/> sorts below this.</summary>
    public static string DueBound(DateTimeOffset now) => Stamp(now) + "$";

    public static string Stamp(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
