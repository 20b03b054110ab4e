using Microsoft.AspNetCore.Http;

namespace MyBlog.ServiceDefaults;

/// <summary>
/// Which readers' requests are traced. Readers far outnumber authors: a trace of every page view and every public
/// read of the posts would cost more than the read (on AWS, X-Ray bills each trace; locally, the dashboard's
/// ingestion takes a core at a few thousand a second) and tell nothing the first few did not. So GET and HEAD
/// requests for the site's pages and the public posts API are sampled as X-Ray's default rule samples — the first
/// each second, then one in twenty — and everything else (writes, the editor, sign-in, subscribing) is always traced.
/// A request not sampled leaves its whole trace out: the calls it makes inherit the decision.
/// </summary>
public static class ReadSampling
{
    /// <summary>One in this many reads after the first each second (X-Ray's default fixed rate, 5%).</summary>
    public const int OneIn = 20;

    private static long _second = -1;

    public static bool IsTraced(HttpContext context) => !IsPublicRead(context.Request) || Sampled();

    public static bool IsPublicRead(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && (!request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/api/posts"));

    private static bool Sampled()
    {
        var second = Environment.TickCount64 / 1000;
        var last = Volatile.Read(ref _second);
        return second != last && Interlocked.CompareExchange(ref _second, second, last) == last || Random.Shared.Next(OneIn) == 0;
    }
}
