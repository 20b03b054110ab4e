using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace MyBlog.Workers.Mail;

/// <summary>
/// The one pace every send in this process keeps (Mail:MaxSendRate messages a second, at most a second's worth in
/// a burst), so concurrent batches, the sweep and later the newsletter together stay under SES's account rate.
/// Waiters are served oldest first.
/// </summary>
public sealed class MailPace : IDisposable
{
    private readonly TokenBucketRateLimiter _limiter;

    public MailPace(IOptions<MailOptions> options)
    {
        var rate = options.Value.MaxSendRate;
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, (int)Math.Floor(rate)),
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1 / rate),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>Waits for this message's turn.</summary>
    public async Task WaitTurnAsync(CancellationToken ct)
    {
        using var lease = await _limiter.AcquireAsync(1, ct);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException("The mail pace refused a turn it should have queued.");
        }
    }

    public void Dispose() => _limiter.Dispose();
}
