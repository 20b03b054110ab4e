using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using MyBlog.Core;
using MyBlog.Core.Storage;

namespace MyBlog.Web.Edge;

/// <summary>How the edge serves and caches (the buckets it serves are <see cref="BucketOptions"/>'s). Bound from "Edge".</summary>
public sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>Sent to the API with every request it forwards, as CloudFront's custom origin header is (see MyBlog.Api ViewerAddress).</summary>
    public string? OriginSecret { get; set; }

    /// <summary>Where the editor uploads photos (scheme, host and port of the presigned URLs), allowed in its CSP.</summary>
    public string? UploadOrigin { get; set; }

    /// <summary>At most this many bytes of objects (and their compressed copies) in the cache; least recently used go first.</summary>
    public long CacheBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>How long an object stays fresh when its Cache-Control says nothing (CloudFront's default TTL is a day).</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// With a stack in several regions: their APIs, nearest first. Each request goes to the first whose health checks
    /// pass, as Route 53's failover records send CloudFront's API origin; none listed, <c>Edge:ApiUrl</c> alone.
    /// </summary>
    public List<ApiRegion> ApiRegions { get; set; } = [];

    /// <summary>
    /// How long the API may take to answer before the edge gives up with 504, as CloudFront's origin response timeout
    /// (30 s by default): a region that stops answering mid-request costs its reader this long, not forever.
    /// </summary>
    public TimeSpan OriginResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the edge checks each region's API (a check may take <see cref="HealthPaths.RegionCheckTimeout"/>).</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>One region's API, as the edge reaches it.</summary>
public sealed class ApiRegion
{
    public string Region { get; set; } = "";
    public string Url { get; set; } = "";
}

/// <summary>
/// CloudFront's part for the static site and the photos (/media/* from the media bucket): directory URLs resolve to index.html, objects are cached for their
/// s-maxage (else max-age) and revalidated with the bucket by ETag when stale, served with their stored headers,
/// ETag/If-None-Match → 304, brotli or gzip, and the site's 404 page for anything missing.
/// </summary>
public sealed partial class SiteEdge(IAmazonS3 s3, EdgeCache cache, IOptions<EdgeOptions> options, IOptions<BucketOptions> buckets, ILogger<SiteEdge> logger)
{
    public const string NotFoundKey = "404.html";

    /// <summary>
    /// The hot path, before the hosting layer (<see cref="ServeFromMemoryServer"/>): a GET or HEAD for a page or file
    /// the edge holds fresh, answered from memory with the headers made when it was cached — nothing allocated per
    /// request. Anything else (a miss, a stale object, a redirect, the editor, the API, the health checks) is null and
    /// goes the whole way.
    /// </summary>
    public CachedObject? HeldFresh(IFeatureCollection features)
    {
        var request = features.GetRequiredFeature<IHttpRequestFeature>();
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) || request.PathBase.Length > 0
            || request.Path is not { Length: > 0 and <= 512 } path || !SitePaths.IsSitePath(path) || !IsServedFromMemory(path))
        {
            return null;
        }
        Span<char> key = stackalloc char[path.Length + IndexFile.Length];
        var length = path.Length - 1;
        path.AsSpan(1).CopyTo(key);
        if (path[^1] == '/')
        {
            IndexFile.CopyTo(key[length..]);
            length += IndexFile.Length;
        }
        return cache.TryGet(key[..length], out var cached) && cached.IsFresh && cached.RedirectTo is null ? cached : null;
    }

    /// <summary>Answers with an object <see cref="HeldFresh"/> found, and the site's security headers.</summary>
    public static Task ServeFromMemory(IFeatureCollection features, CachedObject held)
    {
        var response = features.GetRequiredFeature<IHttpResponseFeature>();
        EdgeExtensions.AddSecurityHeaders(response.Headers, EdgeExtensions.SitePolicy);
        return ServeAsync(features, held, StatusCodes.Status200OK, CancellationToken.None);
    }

    private const string IndexFile = "index.html";

    /// <summary>
    /// Paths another endpoint answers, or that need the whole way (the editor's own policy; a slash to add), never
    /// take the hot path.
    /// </summary>
    private static bool IsServedFromMemory(string path) =>
        (path[^1] == '/' || Path.HasExtension(path))
        && !path.StartsWith("/api/", StringComparison.Ordinal) && !path.StartsWith("/admin/", StringComparison.Ordinal)
        && !path.StartsWith("/health", StringComparison.Ordinal) && !path.StartsWith("/alive", StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (!SitePaths.IsSitePath(path))
        {
            await ServeNotFoundAsync(context);
            return;
        }
        // "/posts/hello" → "/posts/hello/", as the site links every page (the CloudFront Function does the same).
        // The target is this site's own path, percent-encoded: never "//host", which a browser reads as another site.
        if (!path.EndsWith('/') && !Path.HasExtension(path))
        {
            context.Response.Redirect(new PathString(path + "/").ToUriComponent() + context.Request.QueryString, permanent: true);
            return;
        }

        var key = (path.EndsWith('/') ? path + "index.html" : path).TrimStart('/');
        var cached = await GetAsync(key, context.RequestAborted);
        if (cached is null)
        {
            await ServeNotFoundAsync(context);
            return;
        }
        if (cached.RedirectTo is { } target)
        {
            // An old address of an imported post: a permanent redirect, from the cache, as the CloudFront Function does it.
            context.Response.Headers.CacheControl = cached.CacheControl;
            context.Response.Headers.Location = target;
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            return;
        }
        await ServeAsync(context.Features, cached, StatusCodes.Status200OK, context.RequestAborted);
    }

    /// <summary>The metadata header a redirect object carries (the publisher names it: SitePage.RedirectMetadata).</summary>
    public const string RedirectHeader = "x-amz-meta-myblog-redirect";

    /// <summary>
    /// A redirect's target (percent-encoded, as stored) only if it is a path of this site: never "//host" or another
    /// site's URL.
    /// </summary>
    public static string? RedirectOf(string? target)
    {
        if (target is not { Length: > 1 } || target[0] != '/' || target[1] == '/' || target.Any(c => c > 127 || char.IsControl(c)))
        {
            return null;
        }
        try
        {
            return SitePaths.IsSitePath(Uri.UnescapeDataString(target)) ? target : null;
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    private async Task ServeNotFoundAsync(HttpContext context)
    {
        var page = await GetAsync(NotFoundKey, context.RequestAborted);
        if (page is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await ServeAsync(context.Features, page, StatusCodes.Status404NotFound, context.RequestAborted);
    }

    /// <summary>The cached object, revalidated with the origin if stale; null when the origin has no such object.</summary>
    private async Task<CachedObject?> GetAsync(string key, CancellationToken ct)
    {
        if (cache.TryGet(key, out var cached) && cached.IsFresh)
        {
            return cached;
        }
        // Photo variants live in the media bucket under the same key as their URL path (/media/{id}/640.webp).
        // Photo variants are served under /media/ from the media bucket (CloudFront's second origin).
        var bucket = key.StartsWith("media/", StringComparison.Ordinal) ? buckets.Value.Media : buckets.Value.Site;
        var request = new GetObjectRequest { BucketName = bucket, Key = key };
        if (cached is not null)
        {
            request.EtagToNotMatch = cached.ETag;
        }
        try
        {
            using var response = await s3.GetObjectAsync(request, ct);
            using var body = new MemoryStream();
            await response.ResponseStream.CopyToAsync(body, ct);
            var cacheControl = response.Headers.CacheControl;
            var fresh = new CachedObject(body.ToArray(), response.Headers.ContentType ?? "application/octet-stream",
                cacheControl, response.ETag, Ttl(cacheControl))
            {
                RedirectTo = RedirectOf(response.Metadata[RedirectHeader]),
            };
            cache.Set(key, fresh);
            return fresh;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotModified && cached is not null)
        {
            cached.Revalidated();
            return cached;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            cache.Invalidate([key]);
            return null;
        }
        catch (AmazonS3Exception ex) when (cached is not null)
        {
            // Serve stale rather than fail while the origin has trouble, as CloudFront does.
            logger.LogWarning(ex, "Origin error for {Key}; serving the cached copy", key);
            return cached;
        }
    }

    /// <summary>
    /// Writes the object as the answer, on the request's own features: the hot path has no HttpContext, and the
    /// whole way's context reads and writes the same ones.
    /// </summary>
    private static Task ServeAsync(IFeatureCollection features, CachedObject cached, int status, CancellationToken ct)
    {
        var request = features.GetRequiredFeature<IHttpRequestFeature>();
        var response = features.GetRequiredFeature<IHttpResponseFeature>();
        var headers = response.Headers;
        headers.ContentType = cached.ContentType;
        if (cached.CacheControl is not null)
        {
            headers.CacheControl = cached.CacheControl;
        }
        headers.Age = cached.Age;

        var body = cached.Body;
        var etag = cached.ETag;
        if (cached.IsCompressible && body.Length > 256)
        {
            headers.Vary = HeaderNames.AcceptEncoding;
            var accepts = request.Headers.AcceptEncoding;
            if (Contains(accepts, "br"))
            {
                (body, etag) = (cached.Brotli, cached.WeakETag);
                headers.ContentEncoding = "br";
            }
            else if (Contains(accepts, "gzip"))
            {
                (body, etag) = (cached.Gzip, cached.WeakETag);
                headers.ContentEncoding = "gzip";
            }
        }
        headers.ETag = etag;

        if (status == StatusCodes.Status200OK && MyBlog.ServiceDefaults.EntityTags.Matches(request.Headers.IfNoneMatch, cached.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            headers.Remove(HeaderNames.ContentEncoding);
            return Task.CompletedTask;
        }
        response.StatusCode = status;
        headers.ContentLength = body.Length;
        if (HttpMethods.IsHead(request.Method))
        {
            return Task.CompletedTask;
        }
        var written = features.GetRequiredFeature<IHttpResponseBodyFeature>().Writer.WriteAsync(body, ct);
        return written.IsCompletedSuccessfully ? Task.CompletedTask : written.AsTask();
    }

    /// <summary>Whether any of the header's values contains the coding (as before: a substring, no allocation).</summary>
    private static bool Contains(Microsoft.Extensions.Primitives.StringValues values, string coding)
    {
        foreach (var value in values)
        {
            if (value is not null && value.Contains(coding, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private TimeSpan Ttl(string? cacheControl)
    {
        if (cacheControl is null)
        {
            return options.Value.DefaultTtl;
        }
        var shared = SharedMaxAge().Match(cacheControl);
        var any = shared.Success ? shared : MaxAge().Match(cacheControl);
        return any.Success ? TimeSpan.FromSeconds(long.Parse(any.Groups[1].Value, CultureInfo.InvariantCulture)) : options.Value.DefaultTtl;
    }

    [GeneratedRegex(@"s-maxage=(\d+)")]
    private static partial Regex SharedMaxAge();

    [GeneratedRegex(@"(?<![-\w])max-age=(\d+)")]
    private static partial Regex MaxAge();
}
