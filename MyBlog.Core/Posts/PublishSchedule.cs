using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MyBlog.Core.Posts;

/// <summary>
/// Scheduled publishing. A scheduled draft carries its time (<see cref="Post.ScheduledAt"/>) and a schedule item
/// beside it in the list index under <see cref="ListKey"/>, ordered by time, written in one transaction with the post
/// — so moving a schedule replaces it (one post, one schedule) and publishing or cancelling removes it. Two things
/// publish what is due, both through <c>/events/publish-due</c>: a one-time EventBridge Scheduler schedule per post
/// at its time (to the second), and the recurring <see cref="Schedules.PublishDue"/> run, which catches anything a
/// one-time schedule missed (one that could not be created, a local run that was stopped at the time).
/// </summary>
public static class PublishSchedule
{
    public const string SortKeyValue = "SCHEDULE";

    /// <summary>The list-index partition of schedule items; their sort key is the time, then the slug.</summary>
    public const string ListKey = "POSTS#scheduled";

    /// <summary>How far ahead a post may be scheduled.</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(366);

    /// <summary>
    /// Schedules keep whole seconds, rounded up: EventBridge Scheduler's <c>at(…)</c> has no fractions, and a schedule
    /// that fired before the post's time would find it not yet due.
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

    /// <summary>
    /// The one-time schedule's name for a post: one name per post, so scheduling again replaces it. Slugs may hold
    /// any letter (a Hangul slug), and schedule names only [0-9A-Za-z-_.], up to 64: a hash of the slug.
    /// </summary>
    public static string ScheduleName(string prefix, string slug) =>
        $"{prefix}-publish-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(slug)))[..32]}";

    /// <summary>What the one-time schedule delivers: the post it is for (the run publishes everything due anyway).</summary>
    public static string Input(string slug) =>
        $$"""{"schedule":"{{Schedules.PublishDue.Name}}","slug":{{System.Text.Json.JsonSerializer.Serialize(slug, CoreJson.Default.String)}}}""";
}
