namespace MyBlog.Core;

/// <summary>
/// A worker run on a timer: EventBridge Scheduler on AWS (a recurring schedule invoking the function, whose Lambda
/// Web Adapter passes the schedule's input to <paramref name="Path"/>), LocalAws's timer locally.
/// </summary>
/// <param name="Name">The schedule's and the function's short name.</param>
/// <param name="Path">The Workers endpoint (AWS_LWA_PASS_THROUGH_PATH).</param>
/// <param name="Rate">How often it runs; EventBridge Scheduler's finest rate is one minute.</param>
public sealed record Schedule(string Name, string Path, TimeSpan Rate)
{
    /// <summary>The event the schedule delivers (its input): it names itself, nothing more is needed.</summary>
    public string Input => $$"""{"schedule":"{{Name}}"}""";
}

public static class Schedules
{
    /// <summary>Every owed welcome that the stream's fast path did not deliver gets another attempt once it is due.</summary>
    public static readonly Schedule WelcomeSweep = new("welcome-sweep", "/events/welcome-sweep", TimeSpan.FromMinutes(1));

    /// <summary>
    /// Scheduled posts that are due are published (the catch-all behind each post's one-time schedule, which
    /// invokes the same path at the post's time).
    /// </summary>
    public static readonly Schedule PublishDue = new("publish-due", "/events/publish-due", TimeSpan.FromMinutes(1));

    public static IReadOnlyList<Schedule> All { get; } = [WelcomeSweep, PublishDue];
}
