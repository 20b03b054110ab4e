using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using MyBlog.Core.Posts;

namespace MyBlog.Api.Apis;

/// <summary>
/// The public read API: published posts only, cacheable by browsers and the CDN (Cache-Control with s-maxage,
/// a strong ETag and 304), with a short-lived in-process cache (HybridCache) in front of DynamoDB.
/// </summary>
public static class PostsApi
{
    public const string CacheControl = "public, max-age=60, s-maxage=60, stale-while-revalidate=30";
    private static readonly HybridCacheEntryOptions ShortLived = new() { Expiration = TimeSpan.FromSeconds(10), LocalCacheExpiration = TimeSpan.FromSeconds(10) };


    public static IEndpointRouteBuilder MapPostsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/posts").WithTags("Posts");
        api.MapGet("/", ListAsync).WithName("ListPublishedPosts").WithSummary("Published posts, newest first; cursor pagination; optional tag.");
        api.MapGet("/{slug}", GetAsync).WithName("GetPublishedPost").WithSummary("One published post with its HTML.");
        return app;
    }

    public static async Task<IResult> ListAsync(
        HttpContext context, PostStore posts, PublishedTags tags, HybridCache cache, CancellationToken ct, string? tag = null, string? cursor = null, int? limit = null)
    {
        var normalizedTag = tag is null ? null : PostInput.NormalizeTag(tag);
        if (tag is not null && normalizedTag is null)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid tag", detail: "A tag is 1 to 40 letters, digits or hyphens.");
        }
        if (limit is < 1 or > 50)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid limit", detail: "limit is between 1 and 50.");
        }
        var size = limit ?? 10;
        if (normalizedTag is not null && !await tags.ContainsAsync(normalizedTag, ct))
        {
            return Cacheable(context, JsonSerializer.SerializeToUtf8Bytes(new PostList<PublicPostSummary>([], null), RequestBody.Json));
        }
        try
        {
            var body = await cache.GetOrCreateAsync($"posts:{normalizedTag}:{cursor}:{size}", async token =>
            {
                var page = await posts.ListAsync(PostStatus.Published, normalizedTag, cursor, size, token);
                return JsonSerializer.SerializeToUtf8Bytes(
                    new PostList<PublicPostSummary>(page.Items.Select(PublicPostSummary.From).ToList(), page.NextCursor), RequestBody.Json);
            }, ShortLived, cancellationToken: ct);
            return Cacheable(context, body);
        }
        catch (FormatException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid cursor", detail: ex.Message);
        }
    }

    public static async Task<IResult> GetAsync(string slug, HttpContext context, PostStore posts, HybridCache cache, CancellationToken ct)
    {
        var body = await cache.GetOrCreateAsync($"post:{slug}", async token =>
        {
            var post = await posts.GetAsync(slug, token);
            return post is { Status: PostStatus.Published } ? JsonSerializer.SerializeToUtf8Bytes(PublicPost.From(post), RequestBody.Json) : [];
        }, ShortLived, cancellationToken: ct);
        return body.Length == 0
            ? TypedResults.Problem(statusCode: 404, title: "Post not found", detail: $"There is no published post '{slug}'.")
            : Cacheable(context, body);
    }

    /// <summary>200 with the body, or 304 when the client already has these exact bytes.</summary>
    private static IResult Cacheable(HttpContext context, byte[] body)
    {
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..32]}\"";
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = CacheControl;
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && ifNoneMatch.Split(',').Any(t => t.Trim() == etag || t.Trim() == "*"))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return TypedResults.Bytes(body, "application/json; charset=utf-8");
    }
}
