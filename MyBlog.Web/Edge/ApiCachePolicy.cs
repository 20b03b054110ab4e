using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Net.Http.Headers;

namespace MyBlog.Web.Edge;

/// <summary>
/// The local edge caches <c>/api/*</c> answers the way the stack's CloudFront cache policy does: only what the API
/// marks shareable (<c>s-maxage</c>, else <c>max-age</c>; nothing for <c>private</c>, <c>no-store</c> or
/// <c>no-cache</c>), for that long and at most a day, keyed by path and query string; requests with credentials
/// (Authorization) are never answered from the cache.
/// </summary>
public sealed partial class ApiCachePolicy : IOutputCachePolicy
{
    public const string Name = "api";
    private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(1);

    public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var request = context.HttpContext.Request;
        var cacheable = (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && !request.Headers.ContainsKey(HeaderNames.Authorization);
        context.EnableOutputCaching = true;
        context.AllowCacheLookup = cacheable;
        context.AllowCacheStorage = cacheable;
        context.AllowLocking = true;
        context.CacheVaryByRules.QueryKeys = "*";
        return ValueTask.CompletedTask;
    }

    public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var response = context.HttpContext.Response;
        var ttl = SharedTtl(response.Headers.CacheControl.ToString());
        if (response.StatusCode != StatusCodes.Status200OK || ttl is not { } lifetime || lifetime <= TimeSpan.Zero
            || response.Headers.ContainsKey(HeaderNames.SetCookie))
        {
            context.AllowCacheStorage = false;
            return ValueTask.CompletedTask;
        }
        context.ResponseExpirationTimeSpan = lifetime < MaxTtl ? lifetime : MaxTtl;
        return ValueTask.CompletedTask;
    }

    /// <summary>How long a shared cache may keep an answer with this Cache-Control; null: not at all.</summary>
    public static TimeSpan? SharedTtl(string cacheControl)
    {
        if (cacheControl.Length == 0 || Forbidden().IsMatch(cacheControl))
        {
            return null;
        }
        var age = SharedMaxAge().Match(cacheControl) is { Success: true } shared ? shared : MaxAge().Match(cacheControl);
        return age.Success ? TimeSpan.FromSeconds(long.Parse(age.Groups[1].Value, CultureInfo.InvariantCulture)) : null;
    }

    [GeneratedRegex(@"(?i)\b(private|no-store|no-cache)\b")]
    private static partial Regex Forbidden();

    [GeneratedRegex(@"(?i)s-maxage=(\d+)")]
    private static partial Regex SharedMaxAge();

    [GeneratedRegex(@"(?i)(?<![-\w])max-age=(\d+)")]
    private static partial Regex MaxAge();
}
