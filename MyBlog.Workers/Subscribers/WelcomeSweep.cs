using Microsoft.Extensions.Logging;
using MyBlog.Core.Regions;
using MyBlog.Core.Subscribers;

namespace MyBlog.Workers.Subscribers;

/// <summary>What one sweep did.</summary>
/// <param name="Due">Owed welcomes that were due when the sweep looked.</param>
/// <param name="StoppedBecause">Why it stopped before the end of the list, if it did.</param>
/// <param name="TakenOver">Welcomes taken over from regions that are lost.</param>
public sealed record WelcomeSweepResult(int Due, int Sent, int RetryLater, int Refused, int NotClaimable, int Errors, string? StoppedBecause, int TakenOver = 0);

/// <summary>
/// The second path: every welcome still owed and due gets another attempt, whatever the stream did with it — a
/// record whose retries ran out, a claim whose holder died or froze, a send that failed and is waiting its backoff.
/// Runs on a schedule (EventBridge Scheduler on AWS, LocalAws's timer locally). Sends a few at a time at the shared
/// pace; stops at the first sign that the mail server is away (no point in timing out on every address) and when
/// its time is up. Overlapping sweeps and the stream can run at once: every send is a claim. With regions it is also
/// the region's heartbeat: it takes over the welcomes of regions that are lost, and does nothing while its own region
/// is back from an absence and not yet caught up (<see cref="RegionPresence"/>).
/// </summary>
public sealed class WelcomeSweep(SubscriberStore subscribers, WelcomeMailer mailer, RegionPresence regions, TimeProvider time, ILogger<WelcomeSweep> logger)
{
    /// <summary>At most this many per run; more waits for the next run (the list is oldest-due first).</summary>
    public const int MaxPerRun = 2000;

    /// <summary>Sends in flight at once; the pace, not this, limits the rate.</summary>
    public const int Parallelism = 4;

    /// <summary>With regions, welcomes claimed before each wait for the table to settle: a few seconds' sending at the pace.</summary>
    public const int SettledChunk = 50;

    /// <param name="startBy">No send starts after this (the invocation must end before its timeout).</param>
    public async Task<WelcomeSweepResult> RunAsync(DateTimeOffset startBy, CancellationToken ct)
    {
        var presence = await regions.BeatAsync(ct);
        if (presence.Quiet)
        {
            if (presence.WaitingFor is { Count: > 0 } waiting)
            {
                logger.LogInformation("Welcome sweep: this region is back from an absence; it sends nothing until {Regions} have seen it back and their writes have reached it",
                    string.Join(", ", waiting));
            }
            else
            {
                logger.LogInformation("Welcome sweep: this region is back from an absence and the other regions have seen it; it waits one settle time more for their last writes");
            }
            return new WelcomeSweepResult(0, 0, 0, 0, 0, 0, "the region is rejoining");
        }
        var takenOver = 0;
        foreach (var lost in presence.LostPeers)
        {
            var taken = await subscribers.TakeOverWelcomesAsync(lost, MaxPerRun, ct);
            if (taken > 0)
            {
                logger.LogWarning("Welcome sweep: {Region} has been silent too long; {Count} welcome(s) it owed are this region's now", lost, taken);
            }
            takenOver += taken;
        }
        var due = await subscribers.DueWelcomesAsync(MaxPerRun, ct);
        int sent = 0, retry = 0, refused = 0, notClaimable = 0, errors = 0;
        string? stopped = null;
        using var slots = new SemaphoreSlim(Parallelism);
        var running = new List<Task>();

        // One welcome's send, counted; the mail server's absence stops the run.
        async Task SendOneAsync(string id, Func<Task<WelcomeResult>> send)
        {
            try
            {
                var result = await send();
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
        }

        // With regions, claims are taken a chunk at a time and acted on after one wait for the table to settle.
        var chunkSize = mailer.Settle > TimeSpan.Zero ? SettledChunk : due.Count;
        foreach (var chunk in due.Chunk(Math.Max(1, chunkSize)))
        {
            if (!await regions.KeepAliveAsync(ct))
            {
                stopped = "the region's heartbeat lapsed during the sweep";
                break;
            }
            IReadOnlyList<(string Id, WelcomeClaim? Claim)> work = chunk.Select(id => (id, (WelcomeClaim?)null)).ToList();
            if (mailer.Settle > TimeSpan.Zero)
            {
                work = await ClaimAllAsync(chunk, () => Interlocked.Increment(ref errors), ct);
                notClaimable += work.Count(w => w.Claim is null);
                work = [.. work.Where(w => w.Claim is not null)];
                if (work.Count > 0)
                {
                    await Task.Delay(mailer.Settle, time, ct);
                }
            }
            foreach (var (id, claim) in work)
            {
                await slots.WaitAsync(ct);
                stopped ??= time.GetUtcNow() >= startBy ? "its time was up" : null;
                if (Volatile.Read(ref stopped) is not null)
                {
                    slots.Release();
                    if (claim is not null)
                    {
                        await mailer.GiveBackAsync(claim, "the sweep stopped before its turn");
                    }
                    continue;
                }
                running.Add(Task.Run(() => SendOneAsync(id, () => claim is null
                    ? mailer.SendAsync(id, WelcomePath.Sweep, ct)
                    : mailer.DeliverAsync(claim, WelcomePath.Sweep, ct)), ct));
            }
            await Task.WhenAll(running);
            if (stopped is not null)
            {
                break;
            }
        }

        var result = new WelcomeSweepResult(due.Count, sent, retry, refused, notClaimable, errors, stopped, takenOver);
        if (due.Count > 0 || takenOver > 0)
        {
            logger.LogInformation("Welcome sweep: {Result}", result);
        }
        return result;
    }

    /// <summary>Claims each welcome of <paramref name="ids"/>, a few at a time; one that fails to claim (the table away) is counted and left owed.</summary>
    private async Task<IReadOnlyList<(string Id, WelcomeClaim? Claim)>> ClaimAllAsync(IEnumerable<string> ids, Action failed, CancellationToken ct)
    {
        var claims = new System.Collections.Concurrent.ConcurrentBag<(string, WelcomeClaim?)>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (id, token) =>
        {
            try
            {
                claims.Add((id, await mailer.ClaimAsync(id, WelcomePath.Sweep, token)));
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                failed();
                logger.LogWarning(ex, "Welcome sweep: subscriber {SubscriberId} could not be claimed", id);
            }
        });
        return [.. claims];
    }
}
