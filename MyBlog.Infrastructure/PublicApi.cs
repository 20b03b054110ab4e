using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace MyBlog.Infrastructure;

/// <summary>
/// The HTTP API CloudFront forwards /api/* to — and falls back to for site paths its bucket could not answer
/// (<c>MyBlog.Api SiteFallback</c>): access logs as JSON (the path only: links' tokens are in query strings, which are
/// never logged) to a log group kept a month, a default throttle for the stage and a tighter one for the subscribe
/// route (the one that sends email). The API itself limits each reader; these cap what all readers together can make
/// it do. Made before the distribution (whose origins it is), routed to the API function once that exists.
/// </summary>
public sealed class PublicApi : Construct
{
    /// <summary>The stage's throttle (requests a second, burst) for all routes, and the subscribe route's own.</summary>
    public const double DefaultRate = 50;
    public const double DefaultBurst = 100;

    public static class SubscribeRoute
    {
        public const string Path = "/api/subscribers";
        public const string Key = "POST /api/subscribers";
        public const double Rate = 5;
        public const double Burst = 20;
    }

    private readonly NagAcceptances _nag;

    public HttpApi HttpApi { get; }

    /// <summary>The API's own host name (xxxx.execute-api.region.amazonaws.com), CloudFront's origin for it.</summary>
    public string Domain => Fn.Select(2, Fn.Split("/", HttpApi.ApiEndpoint));

    public PublicApi(Construct scope, string id, NagAcceptances nag) : base(scope, id)
    {
        _nag = nag;
        HttpApi = new HttpApi(this, "HttpApi", new HttpApiProps
        {
            Description = "MyBlog public and admin API (CloudFront serves it under /api/, and site pages its bucket cannot answer)",
        });
        var logs = new LogGroup(this, "HttpApiAccessLogs", new LogGroupProps { Retention = RetentionDays.ONE_MONTH, RemovalPolicy = RemovalPolicy.DESTROY });
        var stage = (CfnStage)HttpApi.DefaultStage!.Node.DefaultChild!;
        stage.AccessLogSettings = new CfnStage.AccessLogSettingsProperty
        {
            DestinationArn = logs.LogGroupArn,
            Format = """{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","time":"$context.requestTime","method":"$context.httpMethod","path":"$context.path","status":"$context.status","latency":"$context.responseLatency","integrationError":"$context.integrationErrorMessage"}""",
        };
        stage.DefaultRouteSettings = new CfnStage.RouteSettingsProperty { ThrottlingRateLimit = DefaultRate, ThrottlingBurstLimit = DefaultBurst };
        stage.RouteSettings = new Dictionary<string, object>
        {
            [SubscribeRoute.Key] = new Dictionary<string, object> { ["ThrottlingRateLimit"] = SubscribeRoute.Rate, ["ThrottlingBurstLimit"] = SubscribeRoute.Burst },
        };
    }

    /// <summary>Every route to the API function: the default route, and the subscribe route its tighter throttle names.</summary>
    public void Route(HttpRouteIntegration integration)
    {
        _ = new HttpRoute(this, "Default", new HttpRouteProps { HttpApi = HttpApi, RouteKey = HttpRouteKey.DEFAULT, Integration = integration });
        HttpApi.AddRoutes(new AddRoutesOptions { Path = SubscribeRoute.Path, Methods = [Amazon.CDK.AWS.Apigatewayv2.HttpMethod.POST], Integration = integration });
        foreach (var route in HttpApi.Node.FindAll().Concat(Node.FindAll()).OfType<CfnRoute>().Distinct())
        {
            _nag.Accept(route, "AwsSolutions-APIG4",
                "Posts and subscribing are public by design; admin routes are authorized by the API itself (a person's session cookie with its CSRF token, or their API key, checked on every request), and every request is refused unless it carries CloudFront's origin secret.");
        }
    }
}
