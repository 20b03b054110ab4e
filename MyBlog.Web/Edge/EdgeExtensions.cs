using Yarp.ReverseProxy.Configuration;

namespace MyBlog.Web.Edge;

/// <summary>
/// The local edge plays CloudFront's part: the site's pages and assets, and <c>/api/*</c> forwarded to the API
/// (resolved through service discovery), with the same security headers the AWS stack will send.
/// </summary>
public static class EdgeExtensions
{
    public static void AddEdge(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<EdgeOptions>(builder.Configuration.GetSection(EdgeOptions.Section));
        builder.AddS3Client();
        builder.Services.AddSingleton<EdgeCache>();
        builder.Services.AddSingleton<SiteEdge>();

        var apiUrl = builder.Configuration["Edge:ApiUrl"] ?? "http://api";
        builder.Services.AddReverseProxy()
            .LoadFromMemory(
                [
                    new RouteConfig
                    {
                        RouteId = "api",
                        ClusterId = "api",
                        Match = new RouteMatch { Path = "/api/{**rest}" },
                        // As CloudFront does: append the viewer's address to any X-Forwarded-For it sent.
                        Transforms = [new Dictionary<string, string> { ["X-Forwarded"] = "Append" }],
                    },
                ],
                [
                    new ClusterConfig
                    {
                        ClusterId = "api",
                        Destinations = new Dictionary<string, DestinationConfig> { ["api"] = new() { Address = apiUrl } },
                    },
                ])
            .AddServiceDiscoveryDestinationResolver();
    }

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.TryAdd("X-Content-Type-Options", "nosniff");
            headers.TryAdd("Referrer-Policy", "strict-origin-when-cross-origin");
            headers.TryAdd("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'");
            headers.TryAdd("X-Frame-Options", "DENY");
            return Task.CompletedTask;
        });
        return next(context);
    });
}
