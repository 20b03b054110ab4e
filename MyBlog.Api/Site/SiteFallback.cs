using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Storage;

namespace MyBlog.Api.Site;

/// <summary>Whether the API answers for the site bucket (<see cref="SiteFallback"/>). Bound from "SiteFallback"; off locally (the edge answers itself).</summary>
public sealed class SiteFallbackOptions
{
    public const string Section = "SiteFallback";

    public bool Enabled { get; set; }
}

/// <summary>
/// CloudFront's second origin for the site's pages: its custom error pages would apply to the whole distribution —
/// an API 403 or 404 would reach API clients as the site's HTML 404 page — so the distribution has none. Instead the
/// site bucket's origin fails over to the API (an origin group) when it answers 403, 404 or 5xx, and the API answers
/// site paths here: the page if the bucket has it after all (a passing error), else the site's own 404 page with 404.
/// Nothing under <c>/api/</c> is ever answered here; the API's errors stay its own problem+json.
/// </summary>
public static class SiteFallback
{
    public const string NotFoundPage = "404.html";

    /// <summary>
    /// Answers the GETs no route of the API answers, for site paths only — not as a route (a catch-all GET route
    /// would turn a POST to a misspelled API path into a 405), but after routing found nothing.
    /// </summary>
    public static IApplicationBuilder UseSiteFallback(this IApplicationBuilder app)
    {
        if (!app.ApplicationServices.GetRequiredService<IOptions<SiteFallbackOptions>>().Value.Enabled)
        {
            return app;
        }
        return app.Use(async (context, next) =>
        {
            var path = context.Request.Path.Value ?? "/";
            if (context.GetEndpoint() is not null || !HttpMethods.IsGet(context.Request.Method) || IsApiPath(path))
            {
                await next(context);
                return;
            }
            var site = context.RequestServices.GetRequiredService<SiteFallbackClient>();
            await (await ServeAsync(path, context.Response, site, context.RequestAborted)).ExecuteAsync(context);
        });
    }

    /// <summary>A path under /api/, however it is spelled: the API's own to answer, or not.</summary>
    private static bool IsApiPath(string path) =>
        path.Equals("/api", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase);

    public static async Task<IResult> ServeAsync(string path, HttpResponse response, SiteFallbackClient site, CancellationToken ct)
    {
        var page = SitePaths.IsSitePath(path) ? await site.GetAsync(path.EndsWith('/') ? path[1..] + "index.html" : path[1..], ct) : null;
        var status = StatusCodes.Status200OK;
        if (page is null)
        {
            page = await site.GetAsync(NotFoundPage, ct);
            status = StatusCodes.Status404NotFound;
        }
        if (page is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"There is no {path}.");
        }
        response.Headers.CacheControl = page.CacheControl ?? "public, max-age=0, s-maxage=60";
        return new PageResult(page, status);
    }

    /// <summary>A page with its status: the 404 page is a page, answered with 404.</summary>
    private sealed class PageResult(FallbackPage page, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = page.ContentType;
            context.Response.ContentLength = page.Body.Length;
            await context.Response.Body.WriteAsync(page.Body);
        }
    }
}

/// <summary>A page of the site bucket, as the fallback serves it.</summary>
public sealed record FallbackPage(byte[] Body, string ContentType, string? CacheControl);

/// <summary>
/// Reads the site bucket with a client of its own: the API's other S3 client presigns uploads through the Transfer
/// Acceleration endpoint, which reads should not go through.
/// </summary>
public sealed class SiteFallbackClient(IConfiguration configuration, IOptions<BucketOptions> buckets) : IDisposable
{
    private readonly AmazonS3Client _s3 = new(AwsClientExtensions.S3Config(configuration.GetSection("Aws")));

    public async Task<FallbackPage?> GetAsync(string key, CancellationToken ct)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(buckets.Value.Site, key, ct);
            using var body = new MemoryStream();
            await response.ResponseStream.CopyToAsync(body, ct);
            return new FallbackPage(body.ToArray(), response.Headers.ContentType ?? "application/octet-stream", response.Headers.CacheControl);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            return null;
        }
    }

    public void Dispose() => _s3.Dispose();
}
