using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using MyBlog.Core.Posts;

namespace MyBlog.Api.Posts;

/// <summary>
/// Readers' reads of the posts that the API answered in the last few seconds are answered again from memory before
/// routing, as ASP.NET Core's output cache answers before an endpoint runs: the same bytes, validators and headers the
/// endpoint sent, with no route matching, parameter binding or result object per request. Only a held answer is
/// served this way — the <see cref="PostsCache"/> entry the endpoint made, under the key it made it with; anything
/// else (a first read, an invalid parameter, a post that does not exist, any other spelling of the path) goes on to
/// the endpoint, which validates, reads and fills the cache. It runs after the edge's secret is checked.
/// </summary>
public static class CachedPostReads
{
    private const string ListPath = "/api/posts";
    private const string ListRoute = "/api/posts/";
    private const string PostRoute = "/api/posts/{slug}";

    public static IApplicationBuilder UseCachedPostReads(this IApplicationBuilder app)
    {
        var cache = app.ApplicationServices.GetRequiredService<PostsCache>();
        return app.Use((context, next) =>
            HttpMethods.IsGet(context.Request.Method) && KeyOf(context, out var route) is { } key && cache.TryGet(key, out var answer) && answer.Body.Length > 0
                ? AnswerAsync(context, answer, route)
                : next(context));
    }

    /// <summary>The cache key the endpoint would use for this request, or null where only the endpoint can say.</summary>
    private static string? KeyOf(HttpContext context, out string route)
    {
        route = ListRoute;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (target is null || !target.StartsWith(ListPath, StringComparison.Ordinal))
        {
            return null;
        }
        var rest = target.AsSpan(ListPath.Length);
        if (rest.IsEmpty || rest[0] == '?')
        {
            return ListKeyOf(context.Request.Query);
        }
        // One slug segment, as sent: nothing encoded, nothing after it (the endpoint answers those spellings itself).
        var slug = rest[1..];
        if (rest[0] != '/' || slug.IsEmpty || slug.IndexOfAny('/', '%', '?') >= 0)
        {
            return null;
        }
        route = PostRoute;
        return PostsApi.PostKey(slug.ToString());
    }

    private static string? ListKeyOf(IQueryCollection query)
    {
        if (!One(query, "tag", out var tag) || !One(query, "cursor", out var cursor) || !One(query, "limit", out var limit))
        {
            return null;
        }
        var normalizedTag = tag is null ? null : PostInput.NormalizeTag(tag);
        if (tag is not null && normalizedTag is null)
        {
            return null;
        }
        var size = PostsApi.DefaultLimit;
        if (limit is not null && !int.TryParse(limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out size))
        {
            return null;
        }
        return PostsApi.ListKey(normalizedTag, cursor, size);
    }

    /// <summary>A parameter given at most once (repeated ones are for the endpoint's binding to judge).</summary>
    private static bool One(IQueryCollection query, string name, out string? value)
    {
        var values = query.TryGetValue(name, out var given) ? given : StringValues.Empty;
        value = values.Count == 1 ? values[0] : null;
        return values.Count <= 1;
    }

    private static Task AnswerAsync(HttpContext context, CachedAnswer answer, string route)
    {
        // Metrics and a sampled trace name the route, as they do for an answer the endpoint makes.
        context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new("http.route", route));
        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            activity.DisplayName = $"GET {route}";
            activity.SetTag("http.route", route);
        }
        var response = context.Response;
        PostsApi.SetValidators(response, answer);
        if (PostsApi.IsHeld(context.Request, answer))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.ContentType = PostsApi.ContentType;
        response.ContentLength = answer.Body.Length;
        return response.Body.WriteAsync(answer.Body, context.RequestAborted).AsTask();
    }
}
