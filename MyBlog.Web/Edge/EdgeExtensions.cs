using MyBlog.Core.Storage;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Transforms;

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
        builder.Services.Configure<BucketOptions>(builder.Configuration.GetSection(BucketOptions.Section));
        builder.AddS3Client();
        builder.Services.AddSingleton<EdgeCache>();
        builder.Services.AddOutputCache(options => options.AddPolicy(ApiCachePolicy.Name, new ApiCachePolicy()));
        builder.Services.AddSingleton<SiteEdge>();
        builder.Services.AddServeFromMemory();

        var edge = builder.Configuration.GetSection(EdgeOptions.Section).Get<EdgeOptions>() ?? new EdgeOptions();

        // YARP keeps a destination its passive check took out for the longer of the reactivation period and the
        // window it counts failures over — a minute by default. A region whose outage failed readers' requests would
        // then wait a minute after its return for readers, whatever its health checks said; counted over the
        // reactivation period, it is preferred again as soon as that period is over and its checks pass.
        builder.Services.Configure<TransportFailureRateHealthPolicyOptions>(policy =>
            policy.DetectionWindowSize = PassiveReactivation(edge));
        builder.Services.AddReverseProxy()
            .LoadFromMemory(
                [
                    new RouteConfig
                    {
                        RouteId = "api",
                        ClusterId = "api",
                        Match = new RouteMatch { Path = "/api/{**rest}" },
                    },
                ],
                [ApiCluster(edge, builder.Configuration)])
            .AddTransforms(transforms => transforms.AddRequestTransform(context =>
            {
                // As CloudFront does: the reader's address in CloudFront-Viewer-Address and the origin secret, both
                // replacing whatever the reader sent under those names.
                var headers = context.ProxyRequest.Headers;
                headers.Remove(ViewerAddressHeader);
                headers.Remove(OriginSecretHeader);
                var connection = context.HttpContext.Connection;
                var address = connection.RemoteIpAddress is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip) : System.Net.IPAddress.None;
                headers.TryAddWithoutValidation(ViewerAddressHeader, $"{address}:{connection.RemotePort}");
                if (context.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<EdgeOptions>>().Value.OriginSecret is { Length: > 0 } secret)
                {
                    headers.TryAddWithoutValidation(OriginSecretHeader, secret);
                }
                return ValueTask.CompletedTask;
            }))
            .AddServiceDiscoveryDestinationResolver();
    }

    /// <summary>
    /// The API's origin: one destination, or with several regions one per region in order of preference, chosen
    /// first-healthy-first. A region is out after one failed check (every second; a check that does not answer fails
    /// after the time the check allows its table, and a second) or a refused connection, and back once its checks pass
    /// again — so a region that goes down stops receiving requests within about a second (a few, when it hangs rather
    /// than refuses), and one that comes back is preferred again as soon as it is healthy.
    /// </summary>
    private static ClusterConfig ApiCluster(EdgeOptions options, IConfiguration configuration)
    {
        if (options.ApiRegions.Count == 0)
        {
            var apiUrl = configuration["Edge:ApiUrl"] ?? "http://api";
            return new ClusterConfig
            {
                ClusterId = "api",
                HttpRequest = new ForwarderRequestConfig { ActivityTimeout = options.OriginResponseTimeout },
                Destinations = new Dictionary<string, DestinationConfig> { ["api"] = new() { Address = apiUrl } },
            };
        }
        return new ClusterConfig
        {
            ClusterId = "api",
            // Destinations are tried in name order: the number keeps the order of preference.
            LoadBalancingPolicy = LoadBalancingPolicies.FirstAlphabetical,
            HttpRequest = new ForwarderRequestConfig { ActivityTimeout = options.OriginResponseTimeout },
            Destinations = options.ApiRegions.Select((region, i) => (region, i)).ToDictionary(
                r => $"{r.i:D2}-{r.region.Region}",
                r => new DestinationConfig { Address = r.region.Url }),
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = options.HealthCheckInterval,
                    // As long as the check may take to answer for itself: its table slow is not its table gone.
                    Timeout = MyBlog.Core.HealthPaths.RegionCheckTimeout,
                    Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    // As Route 53 decides on AWS: the API is up and its region's table answers.
                    Path = MyBlog.Core.HealthPaths.Region,
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                    ReactivationPeriod = PassiveReactivation(options),
                },
            },
            Metadata = new Dictionary<string, string>
            {
                ["ConsecutiveFailuresHealthPolicy.Threshold"] = "1",
                // One refused connection is enough: a region's API does not refuse connections when it is up.
                ["TransportFailureRateHealthPolicy.RateLimit"] = "0.01",
            },
        };
    }

    /// <summary>How long a region whose requests failed (a refused connection) is left out before it is tried again.</summary>
    private static TimeSpan PassiveReactivation(EdgeOptions options) => options.HealthCheckInterval * 3;

    /// <summary>The headers CloudFront sets for the API (MyBlog.Api ViewerAddress reads them).</summary>
    public const string ViewerAddressHeader = "CloudFront-Viewer-Address";
    public const string OriginSecretHeader = "X-MyBlog-Origin";

    /// <summary>
    /// The site's policy: everything from the site itself, except images, which may also come over HTTPS from other
    /// sites — imported posts link images where their old blog kept them (Ghost's on its CDN, Unsplash's), and an
    /// image is not a script: a page never shows a broken image because of its own headers.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

    /// <summary>The headers every answer carries (the editor's policy differs: <see cref="UseSecurityHeaders"/>), made once.</summary>
    internal static readonly Microsoft.Extensions.Primitives.StringValues NoSniff = "nosniff";
    internal static readonly Microsoft.Extensions.Primitives.StringValues ReferrerPolicy = "strict-origin-when-cross-origin";
    internal static readonly Microsoft.Extensions.Primitives.StringValues SitePolicy = ContentSecurityPolicy;
    internal static readonly Microsoft.Extensions.Primitives.StringValues Deny = "DENY";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        // The editor PUTs photos straight to the uploads bucket, so its pages may also connect there — and only its pages.
        var uploads = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<EdgeOptions>>().Value.UploadOrigin;
        Microsoft.Extensions.Primitives.StringValues editorPolicy = uploads is null ? ContentSecurityPolicy : $"{ContentSecurityPolicy}; connect-src 'self' {uploads}";
        return app.Use((context, next) =>
        {
            var isEditor = context.Request.Path.StartsWithSegments("/admin");
            context.Response.OnStarting(() =>
            {
                AddSecurityHeaders(context.Response.Headers, isEditor ? editorPolicy : SitePolicy);
                return Task.CompletedTask;
            });
            return next(context);
        });
    }

    /// <summary>The security headers every answer carries, with its page's policy; any an answer already has are kept.</summary>
    internal static void AddSecurityHeaders(IHeaderDictionary headers, Microsoft.Extensions.Primitives.StringValues policy)
    {
        headers.TryAdd("X-Content-Type-Options", NoSniff);
        headers.TryAdd("Referrer-Policy", ReferrerPolicy);
        headers.TryAdd("Content-Security-Policy", policy);
        headers.TryAdd("X-Frame-Options", Deny);
    }
}
