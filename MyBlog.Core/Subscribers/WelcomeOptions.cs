using Microsoft.Extensions.Options;

namespace MyBlog.Core.Subscribers;

/// <summary>How welcome emails are claimed, retried and re-sent. Bound from the "Welcome" section.</summary>
public sealed class WelcomeOptions
{
    public const string Section = "Welcome";

    /// <summary>
    /// How long a claim excludes every other sender. It must outlast a whole send: a sender hands its message over
    /// in the first half of the lease or not at all, and the call to the mail service after that must fit in the second half.
    /// A holder that dies (a process frozen at its time limit) loses nothing: the lease expires into a retry by the sweep.
    /// </summary>
    [TimeRange("00:00:02", "00:15:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The sweep's wait after a failed attempt, doubled per attempt up to <see cref="MaxRetryBackoff"/>.</summary>
    [TimeRange("00:00:00.100", "01:00:00")]
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest wait between attempts. Short enough that everything owed goes out within about this long after
    /// an outage ends, however long the outage was; the sweep's circuit breaker keeps a long outage cheap.
    /// </summary>
    [TimeRange("00:00:00.100", "01:00:00")]
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>At most one welcome per address in this time, so the subscribe form cannot be used to mail-bomb anyone.</summary>
    [TimeRange("00:00:00", "1.00:00:00")]
    public TimeSpan ResendInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// With a stack in several regions, how long a newly owed welcome waits before anyone may claim it: longer than the
    /// table's replication takes, so that when one address subscribed in two regions at once, both regions see the
    /// write that won (global tables keep the last writer) and only the region that wrote it sends. Zero in one region.
    /// </summary>
    [TimeRange("00:00:00", "00:05:00")]
    public TimeSpan Settle { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// With a stack in several regions, how long a region's heartbeat may be silent before the others take over the
    /// welcomes it owes (<see cref="Regions.RegionPresence"/>): many sweep intervals, so a slow sweep is never taken
    /// for a lost region. Zero: never (work waits for its region to come back).
    /// </summary>
    [TimeRange("00:00:00", "1.00:00:00")]
    public TimeSpan HandoverAfter { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Welcomes a second that an imported list is owed at: the due times of its pending subscribers are spread at
    /// this pace, so the sweep sends them over hours at most of the mail rate it has, and a reader who subscribes
    /// meanwhile is never queued behind the whole list. SES gives a new account 14 a second; the sweep's share is a quarter.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0.01, 10_000)]
    public double ImportPace { get; set; } = 3;

    /// <summary>The latest moment a claim taken at <paramref name="claimedAt"/> may still start handing its message over.</summary>
    public DateTimeOffset StartBy(DateTimeOffset claimedAt) => claimedAt + Lease / 2;

    public TimeSpan BackoffAfter(int attempts)
    {
        var exponential = RetryBackoff.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var capped = Math.Min(exponential, MaxRetryBackoff.TotalMilliseconds);
        // Jitter on the upper half, so a crowd that failed together does not come back together.
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }
}

/// <summary>The data annotations above, compiled (no reflection at start, as in the Native AOT API).</summary>
[OptionsValidator]
public sealed partial class WelcomeOptionsValidator : IValidateOptions<WelcomeOptions>;
