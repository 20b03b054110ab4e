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
        builder.Services.PostConfigure<EdgeOptions>(options =>
        {
            // Locally the upload URLs point at the S3 emulator; on AWS the stack sets Edge:UploadOrigin (the accelerate endpoint).
            if (options.UploadOrigin is null && Uri.TryCreate(builder.Configuration["Aws:S3ServiceUrl"], UriKind.Absolute, out var s3))
            {
                options.UploadOrigin = s3.GetLeftPart(UriPartial.Authority);
            }
        });
        builder.AddS3Client();
        builder.Services.AddSingleton<EdgeCache>();
        builder.Services.AddOutputCache(options => options.AddPolicy(ApiCachePolicy.Name, new ApiCachePolicy()));
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

    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        // The editor PUTs photos straight to the uploads bucket, so its pages may also connect there — and only its pages.
        var uploads = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<EdgeOptions>>().Value.UploadOrigin;
        var editorPolicy = uploads is null ? ContentSecurityPolicy : $"{ContentSecurityPolicy}; connect-src 'self' {uploads}";
        return app.Use((context, next) =>
        {
            var isEditor = context.Request.Path.StartsWithSegments("/admin");
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.TryAdd("X-Content-Type-Options", "nosniff");
                headers.TryAdd("Referrer-Policy", "strict-origin-when-cross-origin");
                headers.TryAdd("Content-Security-Policy", isEditor ? editorPolicy : ContentSecurityPolicy);
                headers.TryAdd("X-Frame-Options", "DENY");
                return Task.CompletedTask;
            });
            return next(context);
        });
    }
}
