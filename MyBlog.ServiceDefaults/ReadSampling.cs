using Microsoft.AspNetCore.Http;

namespace MyBlog.ServiceDefaults;

/// <summary>
/// Which readers' requests are traced. Readers far outnumber authors: a trace of every page view and every public
/// read of the posts would cost more than the read (on AWS, X-Ray bills each trace; locally, the dashboard's
/// ingestion takes a core at a few thousand a second) and tell nothing the first few did not. So GET and HEAD
/// requests for the site's pages and the public posts API are sampled as X-Ray's default rule samples — the first
/// each second, then one in twenty — but never more than <see cref="MostPerSecond"/> a second: at the rate of a post
/// that is being shared everywhere, one in twenty would still be a thousand traces a second, billed by the million,
/// showing the same cached read. Everything else (writes, the editor, sign-in, subscribing) is always traced. A
/// request not sampled leaves its whole trace out: the calls it makes inherit the decision.
/// </summary>
public sealed class ReadSampling(Func<long> milliseconds, Func<int, int> randomBelow)
{
    /// <summary>One in this many reads after the first each second (X-Ray's default fixed rate, 5%).</summary>
    public const int OneIn = 20;

    /// <summary>The most reads traced in one second, the first included.</summary>
    public const int MostPerSecond = 10;

    private long _second = -1;
    private int _traced;

    /// <summary>The process's sampler: the system's clock, the shared random numbers.</summary>
    public static ReadSampling Shared { get; } = new(() => Environment.TickCount64, Random.Shared.Next);

    public bool IsTraced(HttpContext context) => !IsPublicRead(context.Request) || Sampled();

    public static bool IsPublicRead(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && (!request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/api/posts"));

    /// <summary>
    /// Whether this read is traced. The count a second is kept without a lock: a read that races the turn of the
    /// second may count towards either, which moves the ceiling by a trace or two, never by more.
    /// </summary>
    public bool Sampled()
    {
        var second = milliseconds() / 1000;
        var last = Volatile.Read(ref _second);
        if (second != last && Interlocked.CompareExchange(ref _second, second, last) == last)
        {
            Volatile.Write(ref _traced, 1);
            return true;
        }
        return randomBelow(OneIn) == 0 && Interlocked.Increment(ref _traced) <= MostPerSecond;
    }
}
