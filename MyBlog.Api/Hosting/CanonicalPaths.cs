using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;

namespace MyBlog.Api.Hosting;

/// <summary>
/// Every route answers at one spelling of its path only: the literal segments exactly as declared (case and all, not
/// percent-encoded), no trailing slash, no empty segment. ASP.NET Core's routing is lenient about all three, while API
/// Gateway matches routes by the exact path — its throttle on <c>POST /api/subscribers</c> does not apply to
/// <c>/API/Subscribers</c> or <c>/api/subscribers/</c>, which would reach the same endpoint under the stage's looser
/// limit. Any other spelling is a 404, so a route's limits cannot be stepped around.
/// </summary>
public static class CanonicalPaths
{
    public static IApplicationBuilder UseCanonicalPaths(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint() is RouteEndpoint { RoutePattern: var pattern }
            && !IsCanonical(pattern, RawPath(context)))
        {
            context.SetEndpoint(null);
            await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: $"There is no {context.Request.Path}. Paths are case-sensitive and have no trailing slash.").ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    /// <summary>The path as the client sent it, before any decoding.</summary>
    private static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var query = raw.IndexOf('?');
        return query < 0 ? raw : raw[..query];
    }

    public static bool IsCanonical(RoutePattern pattern, string rawPath)
    {
        if (!rawPath.StartsWith('/'))
        {
            return false;
        }
        var segments = rawPath[1..].Split('/');
        var declared = pattern.PathSegments;
        var catchAll = declared.Count > 0 && declared[^1].Parts is [RoutePatternParameterPart { IsCatchAll: true }];
        if (segments.Length < declared.Count || (!catchAll && segments.Length != declared.Count))
        {
            return false;
        }
        for (var i = 0; i < declared.Count; i++)
        {
            if (segments[i].Length == 0)
            {
                return false;
            }
            if (declared[i].Parts is [RoutePatternLiteralPart literal] && !string.Equals(literal.Content, segments[i], StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }
}
