using Microsoft.Extensions.Logging;
using MyBlog.Core.Subscribers;

namespace MyBlog.Workers.Subscribers;

/// <summary>What one sweep did.</summary>
/// <param name="Due">Owed welcomes that were due when the sweep looked.</param>
/// <param name="StoppedBecause">Why it stopped before the end of the list, if it did.</param>
public sealed record WelcomeSweepResult(int Due, int Sent, int RetryLater, int Refused, int NotClaimable, int Errors, string? StoppedBecause);

/// <summary>
/// The second path: every welcome still owed and due gets another attempt, whatever the stream did with it — a
/// record whose retries ran out, a claim whose holder died or froze, a send that failed and is waiting its backoff.
/// Runs on a schedule (EventBridge Scheduler on AWS, LocalAws's timer locally). Sends a few at a time at the shared
/// pace; stops at the first sign that the mail server is away (no point in timing out on every address) and when
/// its time is up. Overlapping sweeps and the stream can run at once: every send is a claim.
/// </summary>
public sealed class WelcomeSweep(SubscriberStore subscribers, WelcomeMailer mailer, TimeProvider time, ILogger<WelcomeSweep> logger)
{
    /// <summary>At most this many per run; more waits for the next run (the list is oldest-due first).</summary>
    public const int MaxPerRun = 2000;

    /// <summary>Sends in flight at once; the pace, not this, limits the rate.</summary>
    public const int Parallelism = 4;

    /// <param name="startBy">No send starts after this (the invocation must end before its timeout).</param>
    public async Task<WelcomeSweepResult> RunAsync(DateTimeOffset startBy, CancellationToken ct)
    {
        var due = await subscribers.DueWelcomesAsync(MaxPerRun, ct);
        int sent = 0, retry = 0, refused = 0, notClaimable = 0, errors = 0;
        string? stopped = null;
        using var slots = new SemaphoreSlim(Parallelism);
        var running = new List<Task>();

        foreach (var id in due)
        {
            await slots.WaitAsync(ct);
            stopped ??= time.GetUtcNow() >= startBy ? "its time was up" : null;
            if (Volatile.Read(ref stopped) is not null)
            {
                slots.Release();
                break;
            }
            running.Add(Task.Run(async () =>
            {
                try
                {
                    var result = await mailer.SendAsync(id, WelcomePath.Sweep, ct);
                    switch (result.Outcome)
                    {
                        case WelcomeOutcome.Sent: Interlocked.Increment(ref sent); break;
                        case WelcomeOutcome.Refused: Interlocked.Increment(ref refused); break;
                        case WelcomeOutcome.NotClaimable: Interlocked.Increment(ref notClaimable); break;
                        default: Interlocked.Increment(ref retry); break;
                    }
                    if (result.ServerUnavailable)
                    {
                        Interlocked.CompareExchange(ref stopped, "the mail server is unavailable", null);
                    }
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    // DynamoDB away, most likely: the welcome stays owed either way.
                    Interlocked.Increment(ref errors);
                    logger.LogWarning(ex, "Welcome sweep: subscriber {SubscriberId} failed", id);
                }
                finally
                {
                    slots.Release();
                }
            }, ct));
        }
        await Task.WhenAll(running);

        var result = new WelcomeSweepResult(due.Count, sent, retry, refused, notClaimable, errors, stopped);
        if (due.Count > 0)
        {
            logger.LogInformation("Welcome sweep: {Result}", result);
        }
        return result;
    }
}
