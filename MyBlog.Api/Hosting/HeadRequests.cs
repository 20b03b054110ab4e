namespace MyBlog.Api.Hosting;

/// <summary>
/// HEAD is GET without the body (RFC 9110): every GET route answers HEAD with the same status and headers. Minimal
/// APIs route HEAD only where it is mapped, so a HEAD is routed as a GET and its body is dropped.
/// </summary>
public static class HeadRequests
{
    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }
        var body = context.Response.Body;
        context.Request.Method = HttpMethods.Get;
        context.Response.Body = Stream.Null;
        try
        {
            await next(context);
        }
        finally
        {
            context.Request.Method = HttpMethods.Head;
            context.Response.Body = body;
        }
    });
}
