using System.Collections.Concurrent;
using System.Globalization;

namespace MyBlog.Api.Hosting;

/// <summary>
/// At most <see cref="Limit"/> requests a <see cref="Window"/> from one reader (<see cref="ClientPartition"/>) on the
/// routes it guards, counted in fixed windows that open at a reader's first request. Every answer says where the
/// reader stands — <c>RateLimit-Limit</c>, <c>RateLimit-Remaining</c>, <c>RateLimit-Reset</c> (seconds until the
/// window closes) and <c>RateLimit-Policy</c>, the IETF RateLimit header fields — so a well-behaved client can pace
/// itself; past the quota a 429 problem says when to come back (<c>Retry-After</c>).
/// </summary>
public sealed class ReaderQuota(string name, int limit, TimeSpan window, TimeProvider time) : IEndpointFilter
{
    /// <summary>Past this many readers, closed windows are swept out before a new one opens, so memory stays bounded.</summary>
    private const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<string, Counter> _readers = new();
    private readonly Lock _sweep = new();

    /// <summary>Readers with a window held in memory.</summary>
    public int Readers => _readers.Count;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var (remaining, reset) = Take(ClientPartition.Of(http));
        var seconds = Math.Max(1, (int)Math.Ceiling(reset.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var headers = http.Response.Headers;
        headers["RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = Math.Max(0, remaining).ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = seconds;
        headers["RateLimit-Policy"] = $"{limit};w={(int)window.TotalSeconds}";
        if (remaining < 0)
        {
            headers.RetryAfter = seconds;
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                detail: $"Too many {name} requests from your address. Please try again in {seconds} seconds.");
        }
        return await next(context);
    }

    /// <summary>Counts one request: how many the reader has left in this window (negative: over), and when it closes.</summary>
    public (int Remaining, TimeSpan Reset) Take(string reader)
    {
        var now = time.GetUtcNow();
        if (_readers.Count > SweepAbove)
        {
            Sweep(now);
        }
        var counter = _readers.AddOrUpdate(reader,
            _ => new Counter(now + window, 1),
            (_, current) => current.ClosesAt <= now ? new Counter(now + window, 1) : current with { Count = current.Count + 1 });
        return (limit - counter.Count, counter.ClosesAt - now);
    }

    private void Sweep(DateTimeOffset now)
    {
        if (!_sweep.TryEnter())
        {
            return;
        }
        try
        {
            foreach (var (reader, counter) in _readers)
            {
                if (counter.ClosesAt <= now)
                {
                    _readers.TryRemove(new KeyValuePair<string, Counter>(reader, counter));
                }
            }
        }
        finally
        {
            _sweep.Exit();
        }
    }

    private sealed record Counter(DateTimeOffset ClosesAt, int Count);
}
