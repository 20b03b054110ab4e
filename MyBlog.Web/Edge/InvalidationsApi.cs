using System.Net;

namespace MyBlog.Web.Edge;

/// <summary>
/// <c>POST /_edge/invalidations {"paths": ["/posts/x/", "/tags/*"]}</c> — the local counterpart of CloudFront's
/// CreateInvalidation, called by the publisher. Only loopback callers may use it.
/// </summary>
public static class InvalidationsApi
{
    public sealed record InvalidationRequest(IReadOnlyList<string>? Paths);

    public static IEndpointRouteBuilder MapInvalidationsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/_edge/invalidations", (InvalidationRequest request, HttpContext context, EdgeCache cache) =>
        {
            if (context.Connection.RemoteIpAddress is not { } caller || !IPAddress.IsLoopback(caller))
            {
                return Results.Problem(statusCode: 403, title: "Forbidden", detail: "Invalidations are accepted from loopback callers only.");
            }
            if (request.Paths is not { Count: > 0 } paths || paths.Any(p => string.IsNullOrEmpty(p) || p[0] != '/'))
            {
                return Results.Problem(statusCode: 400, title: "Invalid paths", detail: "Send {\"paths\": [\"/path/\", \"/prefix/*\"]}.");
            }
            var keys = paths.Select(p => (p.EndsWith('/') ? p + "index.html" : p).TrimStart('/'));
            return Results.Ok(new { invalidated = cache.Invalidate(keys) });
        }).DisableAntiforgery();
        return app;
    }
}
