using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.WAFv2;
using Constructs;
using MyBlog.Aws.Functions;
using CfFunction = Amazon.CDK.AWS.CloudFront.Function;

namespace MyBlog.Infrastructure;

/// <summary>
/// CloudFront: the site and media buckets through Origin Access Control (their bucket policies admit only this
/// distribution), <c>/api/*</c> to the HTTP API with origin Cache-Control honoured, the security headers the local
/// edge sends, directory URLs resolved to index.html by a CloudFront Function, HTTPS only with TLS 1.2 or newer,
/// compression, and the site's 404 page (from the API, which the site's bucket origin falls back to). The editor under <c>/admin/</c> is part of the site (the publisher writes it),
/// with its own security headers.
/// </summary>
public sealed class Edge : Construct
{
    /// <summary>The local edge's policy (MyBlog.Web EdgeExtensions.ContentSecurityPolicy).</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

    /// <summary>
    /// "/posts/hello/" → "/posts/hello/index.html"; "/posts/hello" → 301 to "/posts/hello/" (as the local edge does).
    /// A path the site cannot have (an empty segment, as in "//host"; a segment starting with "." or "_"; a
    /// backslash) is never redirected — "//host/" in a Location sends the reader to another site — but asked of the
    /// bucket under a key it never has, which the API (the bucket origin's fallback) answers with the site's 404 page.
    /// </summary>
    public const string DirectoryIndexFunction = """
        function handler(event) {
          var request = event.request;
          var uri = request.uri;
          if (!/^(\/[^\/._\\][^\/\\]*)*\/?$/.test(uri)) {
            request.uri = '/_/not-found';
            return request;
          }
          if (uri.endsWith('/')) {
            request.uri = uri + 'index.html';
          } else if (uri.lastIndexOf('.') < uri.lastIndexOf('/')) {
            var query = Object.keys(request.querystring).map(function (k) { return k + '=' + request.querystring[k].value; }).join('&');
            return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: uri + '/' + (query ? '?' + query : '') } } };
          }
          return request;
        }
        """;

    /// <summary>
    /// A redirect object of the site bucket (an imported post's old address, <c>x-amz-meta-myblog-redirect</c>) as a
    /// permanent redirect to the path it names, on every viewer response — from CloudFront's cache after the first
    /// request, so an old address costs the origin one request per cache lifetime, not one per reader. Only a path of
    /// this site is followed, never "//host".
    /// </summary>
    public const string RedirectFunction = """
        function handler(event) {
          var response = event.response;
          var target = response.headers['x-amz-meta-myblog-redirect'];
          if (!target || !/^(\/[^\/._\\][^\/\\]*)*\/?$/.test(target.value)) {
            return response;
          }
          delete response.headers['x-amz-meta-myblog-redirect'];
          response.statusCode = 301;
          response.statusDescription = 'Moved Permanently';
          response.headers['location'] = { value: target.value };
          return response;
        }
        """;

    private readonly Buckets _buckets;
    private readonly StackSettings _settings;

    /// <summary>The header CloudFront adds to every request it sends the API, and the reader's address it adds (MyBlog.Api ViewerAddress).</summary>
    public const string OriginSecretHeader = "X-MyBlog-Origin";
    public const string ViewerAddressHeader = "CloudFront-Viewer-Address";
    private readonly ResponseHeadersPolicy _securityHeaders;

    public Distribution Distribution { get; }

    /// <summary>The site's origin, https://domain or https://dxxxx.cloudfront.net.</summary>
    public string SiteUrl { get; }

    public Edge(Construct scope, string id, StackSettings settings, Buckets buckets, PublicApi api, NagAcceptances nag) : base(scope, id)
    {
        _buckets = buckets;
        _settings = settings;
        var apiOrigin = ApiOrigin(api);
        _securityHeaders = SecurityHeaders("SecurityHeaders", ContentSecurityPolicy);
        var directoryIndex = new CfFunction(this, "DirectoryIndex", new FunctionProps
        {
            Code = FunctionCode.FromInline(DirectoryIndexFunction),
            Runtime = FunctionRuntime.JS_2_0,
            Comment = "Directory URLs to index.html",
        });

        var redirects = new CfFunction(this, "Redirects", new FunctionProps
        {
            Code = FunctionCode.FromInline(RedirectFunction),
            Runtime = FunctionRuntime.JS_2_0,
            Comment = "Imported posts' old addresses to their new ones (301)",
        });

        // The site bucket, falling back to the API for what it cannot answer: a page it does not have gets the site's
        // 404 page from the API (with 404), and a bucket that errors gets the page from the API too. Custom error
        // responses would do the first for site paths, but they apply to every behavior — the API's own 403s and 404s
        // would reach its clients as the site's HTML page — so the distribution has none.
        var siteOrigin = S3BucketOrigin.WithOriginAccessControl(buckets.Site);
        var site = new OriginGroup(new OriginGroupProps
        {
            PrimaryOrigin = siteOrigin,
            FallbackOrigin = apiOrigin,
            FallbackStatusCodes = [403, 404, 500, 502, 503, 504],
        });
        Distribution = new Distribution(this, "Distribution", new DistributionProps
        {
            Comment = "MyBlog",
            DefaultRootObject = "index.html",
            MinimumProtocolVersion = SecurityPolicyProtocol.TLS_V1_2_2021,
            HttpVersion = HttpVersion.HTTP2_AND_3,
            PriceClass = PriceClass.PRICE_CLASS_ALL,
            DomainNames = settings.DomainName is null ? null : [settings.DomainName],
            // Access logs are delivered field by field (standard logging v2, below): the legacy form always logs the
            // query string, where confirm and unsubscribe links carry their tokens.
            EnableLogging = false,
            WebAclId = settings.WebAcl ? RateLimits(this).AttrArn : null,
            Certificate = settings.CertificateArn is null ? null : Certificate.FromCertificateArn(this, "Certificate", settings.CertificateArn),
            DefaultBehavior = new BehaviorOptions
            {
                Origin = site,
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                Compress = true,
                CachePolicy = CachePolicy.CACHING_OPTIMIZED,
                ResponseHeadersPolicy = _securityHeaders,
                FunctionAssociations =
                [
                    new FunctionAssociation { EventType = FunctionEventType.VIEWER_REQUEST, Function = directoryIndex },
                    new FunctionAssociation { EventType = FunctionEventType.VIEWER_RESPONSE, Function = redirects },
                ],
            },
            AdditionalBehaviors = new Dictionary<string, IBehaviorOptions>
            {
                ["/media/*"] = new BehaviorOptions
                {
                    Origin = MediaOrigin(settings, buckets),
                    ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    Compress = false, // WebP and JPEG are compressed already
                    CachePolicy = CachePolicy.CACHING_OPTIMIZED,
                    ResponseHeadersPolicy = _securityHeaders,
                },
            },
        });
        AccessLogs(settings, buckets, nag);
        SiteUrl = settings.SiteUrl ?? $"https://{Distribution.DistributionDomainName}";
        if (settings.DomainName is null)
        {
            nag.Accept(Distribution, "AwsSolutions-CFR4",
                "Without a custom domain the site is served on CloudFront's own *.cloudfront.net certificate, whose viewer " +
                "security policy CloudFront fixes; with domainName and certificateArn the stack sets TLSv1.2_2021.");
        }
        nag.Accept(Distribution, "AwsSolutions-CFR1",
            "A public blog is for readers everywhere: there is no country it must not be served in.");
        if (!settings.WebAcl)
        {
            nag.Accept(Distribution, "AwsSolutions-CFR2",
                "AWS WAF is opt-in (-c webAcl=true, about $6 a month before requests): readers only read cached static " +
                "files, and the API already limits each reader (by CloudFront's viewer address) and API Gateway throttles the rest.");
        }

        // The publisher's own files (its manifest) share the site bucket but are not the site: CloudFront may not
        // read them, however the path is spelled (a denied read becomes the site's 404 page).
        buckets.Site.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PublisherFilesAreNotTheSite",
            Effect = Effect.DENY,
            Principals = [new ServicePrincipal("cloudfront.amazonaws.com")],
            Actions = ["s3:GetObject"],
            Resources = [buckets.Site.ArnForObjects("_publisher/*")],
        }));

        // The editor may also connect to the uploads buckets' accelerate endpoints (each region's: a photo is uploaded
        // to the region whose API signed it), and only the editor.
        var stack = Stack.Of(this);
        var uploads = string.Join(' ', settings.Regions.Select(region => $"https://{Buckets.UploadsBucketNameIn(stack.Account, region)}.s3-accelerate.amazonaws.com"));
        var editorHeaders = SecurityHeaders("EditorSecurityHeaders", $"{ContentSecurityPolicy}; connect-src 'self' {uploads}");
        Distribution.AddBehavior("/admin/*", site, new AddBehaviorOptions
        {
            ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            Compress = true,
            CachePolicy = CachePolicy.CACHING_OPTIMIZED,
            ResponseHeadersPolicy = editorHeaders,
            FunctionAssociations = [new FunctionAssociation { EventType = FunctionEventType.VIEWER_REQUEST, Function = directoryIndex }],
        });
        AddApiBehavior(apiOrigin);
    }

    /// <summary>
    /// AWS WAF in front of the distribution (opt-in): a rate-based rule that blocks any one address sending more than
    /// 100 requests to /api/subscribers in five minutes — the subscribe form is the one route that sends email.
    /// CloudFront's web ACLs live in us-east-1, so this needs the stack there.
    /// </summary>
    private static CfnWebACL RateLimits(Construct scope) => new(scope, "WebAcl", new CfnWebACLProps
    {
        Scope = "CLOUDFRONT",
        DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
        VisibilityConfig = Visibility("MyBlog"),
        Rules = new object[]
        {
            new CfnWebACL.RuleProperty
            {
                Name = "SubscribeRate",
                Priority = 0,
                Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
                VisibilityConfig = Visibility("SubscribeRate"),
                Statement = new CfnWebACL.StatementProperty
                {
                    RateBasedStatement = new CfnWebACL.RateBasedStatementProperty
                    {
                        Limit = 100,
                        AggregateKeyType = "IP",
                        ScopeDownStatement = new CfnWebACL.StatementProperty
                        {
                            ByteMatchStatement = new CfnWebACL.ByteMatchStatementProperty
                            {
                                FieldToMatch = new CfnWebACL.FieldToMatchProperty { UriPath = new Dictionary<string, object>() },
                                PositionalConstraint = "STARTS_WITH",
                                SearchString = "/api/subscribers",
                                TextTransformations = new object[] { new CfnWebACL.TextTransformationProperty { Priority = 0, Type = "LOWERCASE" } },
                            },
                        },
                    },
                },
            },
        },
    });

    private static CfnWebACL.VisibilityConfigProperty Visibility(string metric) => new()
    {
        CloudWatchMetricsEnabled = true,
        MetricName = metric,
        SampledRequestsEnabled = true,
    };

    /// <summary>
    /// The media: the home region's bucket, and with more regions the first replica region's copy when it fails (S3
    /// replication keeps every region's bucket a copy of the others'; a photo made in another region moments ago may
    /// not have reached this one, so a missing key falls back too).
    /// </summary>
    private IOrigin MediaOrigin(StackSettings settings, Buckets buckets)
    {
        var home = S3BucketOrigin.WithOriginAccessControl(buckets.Media);
        if (!settings.MultiRegion)
        {
            return home;
        }
        var replicaRegion = settings.ReplicaRegions[0];
        // Its bucket policy, admitting this distribution, is written by that region's stack.
        var replica = Bucket.FromBucketAttributes(this, "ReplicaMedia", new BucketAttributes
        {
            BucketName = Buckets.MediaBucketNameIn(Stack.Of(this).Account, replicaRegion),
            Region = replicaRegion,
        });
        return new OriginGroup(new OriginGroupProps
        {
            PrimaryOrigin = home,
            FallbackOrigin = S3BucketOrigin.WithOriginAccessControl(replica),
            FallbackStatusCodes = [403, 404, 500, 502, 503, 504],
        });
    }

    /// <summary>
    /// The HTTP API as an origin: CloudFront proves to the API that a request came through it with a secret it adds
    /// (replacing any a reader sent), kept in Parameter Store and resolved at deploy time — one version of the
    /// parameter, named, because CloudFormation re-reads a reference only when it changes; the API refuses requests
    /// without it, so the HTTP API's own execute-api address serves nobody.
    /// With more than one region the origin is <c>api.domainName</c>, which Route 53 answers with the nearest healthy
    /// region's API (<see cref="ApiFailover"/>): failover for every method, which an origin group (GET, HEAD and
    /// OPTIONS only) could not give.
    /// </summary>
    private HttpOrigin ApiOrigin(PublicApi api) => new(_settings.MultiRegion ? _settings.ApiDomainName : api.Domain, new HttpOriginProps
    {
        ProtocolPolicy = OriginProtocolPolicy.HTTPS_ONLY,
        CustomHeaders = new Dictionary<string, string> { [OriginSecretHeader] = $"{{{{resolve:ssm:{_settings.OriginSecretAt(_settings.OriginSecretVersion)}}}}}" },
    });

    /// <summary>/api/* to the HTTP API: nothing cached unless the API says so (Cache-Control), everything the API reads forwarded.</summary>
    private void AddApiBehavior(HttpOrigin origin)
    {
        var honourOrigin = new CachePolicy(this, "ApiCache", new CachePolicyProps
        {
            Comment = "Honour the API's Cache-Control; vary on the query string",
            DefaultTtl = Duration.Seconds(0),
            MinTtl = Duration.Seconds(0),
            MaxTtl = Duration.Days(1),
            QueryStringBehavior = CacheQueryStringBehavior.All(),
            // CloudFront forwards Authorization only as part of the cache key; admin answers are no-store anyway.
            HeaderBehavior = CacheHeaderBehavior.AllowList("Authorization"),
            CookieBehavior = CacheCookieBehavior.None(),
            EnableAcceptEncodingGzip = true,
            EnableAcceptEncodingBrotli = true,
        });
        // What the API reads: the query, Content-Type, If-Match and If-None-Match from the reader (Authorization is part
        // of the cache key, so it is forwarded too), and the reader's address as CloudFront saw it. Not Host (API
        // Gateway needs its own), and no header a reader could use to claim another address. For the staff: the
        // session cookie (only that one), the CSRF token, and what the browser says of a request's origin (Origin,
        // Sec-Fetch-Site) and of itself (User-Agent, the label of a session in its person's list). Answers to signed-in
        // requests are no-store, so nothing of a session is ever cached or in the cache key.
        var toApi = new OriginRequestPolicy(this, "ApiRequests", new OriginRequestPolicyProps
        {
            Comment = "The query, the API's request headers and the reader's address",
            QueryStringBehavior = OriginRequestQueryStringBehavior.All(),
            HeaderBehavior = OriginRequestHeaderBehavior.AllowList("Content-Type", "If-Match", "If-None-Match", ViewerAddressHeader,
                "Origin", "Sec-Fetch-Site", "User-Agent", "X-MyBlog-CSRF"),
            CookieBehavior = OriginRequestCookieBehavior.AllowList("__Host-myblog-session"),
        });
        Distribution.AddBehavior("/api/*", origin, new AddBehaviorOptions
        {
            ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            AllowedMethods = AllowedMethods.ALLOW_ALL,
            Compress = true,
            CachePolicy = honourOrigin,
            OriginRequestPolicy = toApi,
            ResponseHeadersPolicy = _securityHeaders,
        });
    }

    /// <summary>
    /// The fields of CloudFront's access logs (standard logging v2), delivered to the log bucket: everything a reviewer
    /// looks at — time, edge, address, method, host, path, status, sizes, timings, referrer, user agent, result — but
    /// not the query string, where a confirm or unsubscribe link carries its token, and not cookies. CloudFront's
    /// log deliveries are made in us-east-1; elsewhere the distribution keeps no access logs rather than the legacy
    /// ones, which always carry the query string.
    /// </summary>
    public static readonly IReadOnlyList<string> LogFields =
    [
        "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem", "sc-status", "cs(Referer)",
        "cs(User-Agent)", "x-edge-result-type", "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes", "time-taken",
        "ssl-protocol", "x-edge-response-result-type", "cs-protocol-version", "time-to-first-byte", "x-edge-detailed-result-type",
        "sc-content-type", "sc-content-len",
    ];

    private void AccessLogs(StackSettings settings, Buckets buckets, NagAcceptances nag)
    {
        if (settings.HomeRegion != "us-east-1")
        {
            nag.Accept(Distribution, "AwsSolutions-CFR3",
                "CloudFront delivers access logs field by field (without the query strings that carry link tokens) only from us-east-1; " +
                "with the stack elsewhere the distribution keeps none rather than legacy logs, which always include the query string. API Gateway's access logs (path only) remain.");
            return;
        }
        var stack = Stack.Of(this);
        var source = new Amazon.CDK.AWS.Logs.CfnDeliverySource(this, "AccessLogSource", new Amazon.CDK.AWS.Logs.CfnDeliverySourceProps
        {
            Name = $"{stack.StackName}-cloudfront",
            LogType = "ACCESS_LOGS",
            ResourceArn = $"arn:{stack.Partition}:cloudfront::{stack.Account}:distribution/{Distribution.DistributionId}",
        });
        // The log delivery service writes them, for this account's delivery sources only.
        buckets.Logs.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudFrontAccessLogDelivery",
            Principals = [new ServicePrincipal("delivery.logs.amazonaws.com")],
            Actions = ["s3:PutObject"],
            Resources = [buckets.Logs.ArnForObjects("cloudfront/*")],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["s3:x-amz-acl"] = "bucket-owner-full-control", ["aws:SourceAccount"] = stack.Account },
                ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = $"arn:{stack.Partition}:logs:{stack.Region}:{stack.Account}:delivery-source:*" },
            },
        }));
        var destination = new Amazon.CDK.AWS.Logs.CfnDeliveryDestination(this, "AccessLogDestination", new Amazon.CDK.AWS.Logs.CfnDeliveryDestinationProps
        {
            Name = $"{stack.StackName}-cloudfront-logs",
            DestinationResourceArn = buckets.Logs.ArnForObjects("cloudfront/"),
        });
        destination.AddPropertyOverride("OutputFormat", "w3c");
        var delivery = new Amazon.CDK.AWS.Logs.CfnDelivery(this, "AccessLogDelivery", new Amazon.CDK.AWS.Logs.CfnDeliveryProps
        {
            DeliverySourceName = source.Ref,
            DeliveryDestinationArn = destination.AttrArn,
        });
        // Newer than this CDK version's typed properties: which fields, in order.
        delivery.AddPropertyOverride("RecordFields", LogFields.ToArray());
        delivery.AddDependency(source);
        nag.Accept(Distribution, "AwsSolutions-CFR3",
            "Access logs are delivered by standard logging v2 (AWS::Logs::Delivery, to the log bucket under cloudfront/), field by field without the query string, which cdk-nag's rule does not read.");
    }

    private ResponseHeadersPolicy SecurityHeaders(string id, string contentSecurityPolicy) => new(this, id, new ResponseHeadersPolicyProps
    {
        Comment = "The local edge's security headers",
        SecurityHeadersBehavior = new ResponseSecurityHeadersBehavior
        {
            ContentSecurityPolicy = new ResponseHeadersContentSecurityPolicy { ContentSecurityPolicy = contentSecurityPolicy, Override = true },
            ContentTypeOptions = new ResponseHeadersContentTypeOptions { Override = true },
            FrameOptions = new ResponseHeadersFrameOptions { FrameOption = HeadersFrameOption.DENY, Override = true },
            ReferrerPolicy = new ResponseHeadersReferrerPolicy { ReferrerPolicy = HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, Override = true },
            StrictTransportSecurity = new ResponseHeadersStrictTransportSecurity { AccessControlMaxAge = Duration.Days(365), IncludeSubdomains = true, Override = true },
        },
    });
}
