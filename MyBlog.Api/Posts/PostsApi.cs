using System.Security.Cryptography;
using System.Text.Json;
using MyBlog.Api.Hosting;
using MyBlog.Core.Posts;

namespace MyBlog.Api.Posts;

/// <summary>
/// The public read API: published posts only, cacheable by browsers and the CDN (Cache-Control with s-maxage,
/// a strong ETag and 304), with a short-lived in-process cache in front of DynamoDB (<see cref="PostsCache"/>).
/// </summary>
public static class PostsApi
{
    public const string CacheControl = "public, max-age=60, s-maxage=60, stale-while-revalidate=30";
    public const string ContentType = "application/json; charset=utf-8";
    public const int DefaultLimit = 10;

    /// <summary>Where a page of the list is cached: by everything that selects it (a valid tag, already normalized).</summary>
    public static string ListKey(string? normalizedTag, string? cursor, int size) =>
        normalizedTag is null && cursor is null && size == DefaultLimit ? FirstPageKey : $"posts:{normalizedTag}:{cursor}:{size}";

    /// <summary>Where one post's answer is cached (an empty body: no such published post).</summary>
    public static string PostKey(string slug) => $"post:{slug}";

    private static readonly string FirstPageKey = $"posts:::{DefaultLimit}";

    public static IEndpointRouteBuilder MapPostsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/posts").WithTags("Posts");
        api.MapGet("/", ListAsync).WithName("ListPublishedPosts").WithSummary("Published posts, newest first; cursor pagination; optional tag.");
        api.MapGet("/{slug}", GetAsync).WithName("GetPublishedPost").WithSummary("One published post with its HTML.");
        return app;
    }

    public static async Task<IResult> ListAsync(
        HttpContext context, PostStore posts, PublishedTags tags, PostsCache cache, CancellationToken ct, string? tag = null, string? cursor = null, int? limit = null)
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
        var size = limit ?? DefaultLimit;
        if (normalizedTag is not null && !await tags.ContainsAsync(normalizedTag, ct))
        {
            return Cacheable(context, JsonSerializer.SerializeToUtf8Bytes(new PostList<PublicPostSummary>([], null), ApiJson.Default.PostListPublicPostSummary));
        }
        try
        {
            var body = await cache.GetOrReadAsync(ListKey(normalizedTag, cursor, size), async () =>
            {
                var page = await posts.ListAsync(PostStatus.Published, normalizedTag, cursor, size, ct);
                return JsonSerializer.SerializeToUtf8Bytes(
                    new PostList<PublicPostSummary>(page.Items.Select(PublicPostSummary.From).ToList(), page.NextCursor), ApiJson.Default.PostListPublicPostSummary);
            }, ct);
            return Cacheable(context, body);
        }
        catch (FormatException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid cursor", detail: ex.Message);
        }
    }

    public static async Task<IResult> GetAsync(string slug, HttpContext context, PostStore posts, PostsCache cache, CancellationToken ct)
    {
        var body = await cache.GetOrReadAsync(PostKey(slug), async () =>
        {
            var post = await posts.GetAsync(slug, ct);
            return post is { Status: PostStatus.Published } ? JsonSerializer.SerializeToUtf8Bytes(PublicPost.From(post), ApiJson.Default.PublicPost) : [];
        }, ct);
        return body.Body.Length == 0
            ? TypedResults.Problem(statusCode: 404, title: "Post not found", detail: $"There is no published post '{slug}'.")
            : Cacheable(context, body);
    }

    private static IResult Cacheable(HttpContext context, byte[] body) => Cacheable(context, new CachedAnswer(body));

    /// <summary>200 with the body, or 304 when the client already has these exact bytes.</summary>
    private static IResult Cacheable(HttpContext context, CachedAnswer answer)
    {
        SetValidators(context.Response, answer);
        return IsHeld(context.Request, answer)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Bytes(answer.Body, ContentType);
    }

    /// <summary>The answer's validators: its ETag and how long it may be kept.</summary>
    public static void SetValidators(HttpResponse response, CachedAnswer answer)
    {
        response.Headers.ETag = answer.ETag;
        response.Headers.CacheControl = CacheControl;
    }

    /// <summary>Whether the client already holds these bytes (If-None-Match, compared weakly as for a GET).</summary>
    public static bool IsHeld(HttpRequest request, CachedAnswer answer) =>
        MyBlog.ServiceDefaults.EntityTags.Matches(request.Headers.IfNoneMatch, answer.ETag);
}

/// <summary>An answer's bytes and their strong ETag (a hash of the bytes, made once for every reader of them).</summary>
public sealed class CachedAnswer(byte[] body)
{
    public byte[] Body { get; } = body;

    public string ETag { get; } = $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..32]}\"";
}
