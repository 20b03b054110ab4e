using System.Text.Json.Nodes;
using MyBlog.Api.Posts;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Posts;
using MyBlog.Core.Storage;
using MyBlog.Infrastructure;

namespace MyBlog.Tests.Infrastructure;

/// <summary>Every promise of the AWS stack, asserted on the synthesized CloudFormation template.</summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class StackTemplateTests(SynthesizedStack stack)
{
    /// <summary>Every function of the table, by its construct id.</summary>
    private static readonly string[] OurFunctions = [.. AwsFunctions.All.Select(f => f.ConstructId)];

    /// <summary>The uploads bucket's ARN as the template spells it without referring to the bucket.</summary>
    private const string UploadsBucketArn =
        "{\"Fn::Join\":[\"\",[\"arn:\",{\"Ref\":\"AWS::Partition\"},\":s3:::myblog-uploads-\",{\"Ref\":\"AWS::AccountId\"},\"-eu-west-1\"]]}";

    private string BucketId(string name) => Bucket(stack.Template, name).Id;

    private static (string Id, JsonObject Properties) Bucket(JsonObject template, string name) =>
        SynthesizedStack.OfType(template, "AWS::S3::Bucket").Single(b => b.Id.StartsWith($"Buckets{name}", StringComparison.Ordinal));

    private static IEnumerable<JsonObject> Statements(JsonObject policyProperties) =>
        policyProperties["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject());

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(a => a is JsonValue ? a.GetValue<string>() : a!.ToJsonString()),
        JsonValue value => [value.GetValue<string>()],
        null => [],
        _ => [node.ToJsonString()],
    };

    /// <summary>The statements of the policies attached to a function's role.</summary>
    private IEnumerable<JsonObject> RoleStatements(string function)
    {
        var role = SynthesizedStack.Ref(stack.Function(function).Properties["Role"]);
        return stack.OfType("AWS::IAM::Policy")
            .Where(p => p.Properties["Roles"]!.AsArray().Any(r => SynthesizedStack.Ref(r) == role))
            .SelectMany(p => Statements(p.Properties));
    }

    [Fact]
    public void Every_bucket_is_private_TLS_only_encrypted_and_logged_and_only_the_log_bucket_takes_ACLs()
    {
        var buckets = stack.OfType("AWS::S3::Bucket").ToList();
        Assert.Equal(4, buckets.Count);
        var logs = BucketId("Logs");
        foreach (var (id, bucket) in buckets)
        {
            var block = bucket["PublicAccessBlockConfiguration"]!.AsObject();
            Assert.All(new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }, k => Assert.True(block[k]!.GetValue<bool>(), $"{id} {k}"));
            Assert.Equal("AES256", bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!.GetValue<string>());
            // CloudFront delivers standard logs with an ACL: the log bucket alone keeps ACLs (its owner still owns every object).
            Assert.Equal(id == logs ? "BucketOwnerPreferred" : "BucketOwnerEnforced", bucket["OwnershipControls"]!["Rules"]![0]!["ObjectOwnership"]!.GetValue<string>());
            if (id != logs)
            {
                Assert.Equal(logs, SynthesizedStack.Ref(bucket["LoggingConfiguration"]!["DestinationBucketName"]));
            }

            var policy = stack.Single("AWS::S3::BucketPolicy", p => SynthesizedStack.Ref(p["Bucket"]) == id).Properties;
            Assert.Contains(Statements(policy), s => s["Effect"]!.GetValue<string>() == "Deny"
                && s["Condition"]?["Bool"]?["aws:SecureTransport"]?.GetValue<string>() == "false");
            // Nothing is public: no Allow to "*" or to an AWS principal outside CloudFront.
            Assert.DoesNotContain(Statements(policy), s => s["Effect"]!.GetValue<string>() == "Allow" && s["Principal"]?.ToJsonString() == "\"*\"");
        }
    }

    [Fact]
    public void Uploads_accelerate_take_PUTs_from_the_site_only_and_forget_unprocessed_originals()
    {
        var uploads = stack.Resources[BucketId("Uploads")]!["Properties"]!.AsObject();
        Assert.Equal("Enabled", uploads["AccelerateConfiguration"]!["AccelerationStatus"]!.GetValue<string>());

        var cors = Assert.Single(uploads["CorsConfiguration"]!["CorsRules"]!.AsArray())!;
        Assert.Equal(["PUT"], Strings(cors["AllowedMethods"]));
        Assert.Equal([$"https://{SynthesizedStack.Domain}"], Strings(cors["AllowedOrigins"]));

        var rule = uploads["LifecycleConfiguration"]!["Rules"]!.AsArray().Single(r => r!["Id"]!.GetValue<string>() == "DeleteUnprocessedOriginals")!;
        Assert.Equal("uploads/", rule["Prefix"]!.GetValue<string>());
        Assert.Equal("myblog-status", rule["TagFilters"]![0]!["Key"]!.GetValue<string>());
        Assert.Equal("unprocessed", rule["TagFilters"]![0]!["Value"]!.GetValue<string>());
        Assert.Equal(2, rule["ExpirationInDays"]!.GetValue<double>());

        // Variants go to a different bucket, which raises no events.
        Assert.NotEqual(BucketId("Uploads"), BucketId("Media"));
        Assert.NotNull(uploads["NotificationConfiguration"]);
        Assert.Null(stack.Resources[BucketId("Media")]!["Properties"]!["NotificationConfiguration"]);
    }

    [Fact]
    public void AWS_mode_s_local_edge_may_also_upload_when_its_origins_are_given()
    {
        var template = JsonNode.Parse(stack.Synthesize(new()
        {
            ["homeRegion"] = "us-east-1", ["senderAddress"] = "hello@example.com", ["domainName"] = SynthesizedStack.Domain,
            ["certificateArn"] = SynthesizedStack.CertificateArn, ["extraUploadOrigins"] = "http://localhost:8080, http://127.0.0.1:8080",
        }))!.AsObject();
        var cors = Assert.Single(Bucket(template, "Uploads").Properties["CorsConfiguration"]!["CorsRules"]!.AsArray())!;
        Assert.Equal([$"https://{SynthesizedStack.Domain}", "http://localhost:8080", "http://127.0.0.1:8080"], Strings(cors["AllowedOrigins"]));
    }

    [Fact]
    public void CloudFront_reads_site_and_media_through_origin_access_control_granted_to_this_distribution_only()
    {
        var (distributionId, distribution) = stack.Single("AWS::CloudFront::Distribution");
        var origins = distribution["DistributionConfig"]!["Origins"]!.AsArray();
        // This stack's buckets, and the first replica region's copy of the media (named: that region's stack makes it).
        var s3Origins = origins.Where(o => o!["S3OriginConfig"] is not null).ToList();
        Assert.Equal(["", BucketId("Media"), BucketId("Site")], s3Origins.Select(o => SynthesizedStack.Ref(o!["DomainName"])).Order());
        Assert.Contains(s3Origins, o => o!["DomainName"]!.ToJsonString().Contains("myblog-media-") && o["DomainName"]!.ToJsonString().Contains("-us-east-1.s3.us-east-1."));
        Assert.All(s3Origins, o => Assert.NotNull(o!["OriginAccessControlId"]));

        foreach (var bucket in new[] { BucketId("Site"), BucketId("Media") })
        {
            var policy = stack.Single("AWS::S3::BucketPolicy", p => SynthesizedStack.Ref(p["Bucket"]) == bucket).Properties;
            var allow = Assert.Single(Statements(policy), s => s["Effect"]!.GetValue<string>() == "Allow");
            Assert.Equal("cloudfront.amazonaws.com", allow["Principal"]!["Service"]!.GetValue<string>());
            Assert.Equal(["s3:GetObject"], Strings(allow["Action"]));
            Assert.Contains(distributionId, allow["Condition"]!["StringEquals"]!["AWS:SourceArn"]!.ToJsonString());
        }
        // The uploads bucket is not an origin: originals (with their GPS) are never served.
        Assert.DoesNotContain(stack.OfType("AWS::S3::BucketPolicy"), p => SynthesizedStack.Ref(p.Properties["Bucket"]) == BucketId("Uploads")
            && Statements(p.Properties).Any(s => s["Effect"]!.GetValue<string>() == "Allow"));
    }

    [Fact]
    public void CloudFront_is_HTTPS_only_TLS_1_2_compressed_with_directory_indexes_the_404_page_and_the_custom_domain()
    {
        var config = stack.Single("AWS::CloudFront::Distribution").Properties["DistributionConfig"]!;
        var behaviors = config["CacheBehaviors"]!.AsArray().Append(config["DefaultCacheBehavior"]).ToList();
        Assert.All(behaviors, b => Assert.Equal("redirect-to-https", b!["ViewerProtocolPolicy"]!.GetValue<string>()));
        Assert.True(config["DefaultCacheBehavior"]!["Compress"]!.GetValue<bool>());
        Assert.Equal("TLSv1.2_2021", config["ViewerCertificate"]!["MinimumProtocolVersion"]!.GetValue<string>());
        Assert.Equal(SynthesizedStack.CertificateArn, config["ViewerCertificate"]!["AcmCertificateArn"]!.GetValue<string>());
        Assert.Equal([SynthesizedStack.Domain], Strings(config["Aliases"]));
        // No custom error pages: they would apply to the API's answers too. The site's bucket falls back to the API instead.
        Assert.Null(config["CustomErrorResponses"]);

        // Directory indexes on viewer requests (the redirect function on viewer responses has a test of its own).
        var function = stack.OfType("AWS::CloudFront::Function").Single(f => f.Properties["FunctionCode"]!.GetValue<string>().Contains("index.html", StringComparison.Ordinal));
        var association = config["DefaultCacheBehavior"]!["FunctionAssociations"]!.AsArray().Single(a => a!["EventType"]!.GetValue<string>() == "viewer-request")!;
        Assert.Equal(function.Id, SynthesizedStack.Ref(association["FunctionARN"]));
    }

    [Fact]
    public void Api_requests_go_to_the_HTTP_API_with_origin_cache_control_honoured_and_what_the_API_reads_forwarded()
    {
        var config = stack.Single("AWS::CloudFront::Distribution").Properties["DistributionConfig"]!;
        var api = config["CacheBehaviors"]!.AsArray().Single(b => b!["PathPattern"]!.GetValue<string>() == "/api/*")!;
        Assert.Contains("POST", Strings(api["AllowedMethods"]));
        Assert.Contains("DELETE", Strings(api["AllowedMethods"]));
        var toApi = stack.Resources[SynthesizedStack.Ref(api["OriginRequestPolicyId"])]!["Properties"]!["OriginRequestPolicyConfig"]!;
        Assert.Equal("whitelist", toApi["HeadersConfig"]!["HeaderBehavior"]!.GetValue<string>());
        Assert.Equal(["Content-Type", "If-Match", "If-None-Match", Edge.ViewerAddressHeader, "Origin", "Sec-Fetch-Site", "User-Agent", "X-MyBlog-CSRF"],
            Strings(toApi["HeadersConfig"]!["Headers"]));
        Assert.Equal("all", toApi["QueryStringsConfig"]!["QueryStringBehavior"]!.GetValue<string>());

        var cache = stack.Resources[SynthesizedStack.Ref(api["CachePolicyId"])]!["Properties"]!["CachePolicyConfig"]!;
        Assert.Equal(0, cache["DefaultTTL"]!.GetValue<double>()); // nothing cached unless the API's Cache-Control says so
        Assert.Equal(0, cache["MinTTL"]!.GetValue<double>());
        var key = cache["ParametersInCacheKeyAndForwardedToOrigin"]!;
        Assert.Equal("all", key["QueryStringsConfig"]!["QueryStringBehavior"]!.GetValue<string>());
        Assert.Equal(["Authorization"], Strings(key["HeadersConfig"]!["Headers"]));

        var origin = config["Origins"]!.AsArray().Single(o => o!["Id"]!.GetValue<string>() == api["TargetOriginId"]!.GetValue<string>())!;
        Assert.Equal("https-only", origin["CustomOriginConfig"]!["OriginProtocolPolicy"]!.GetValue<string>());
        Assert.Equal("api." + SynthesizedStack.Domain, origin["DomainName"]!.GetValue<string>());
        // One region: the HTTP API's own address.
        var oneRegion = JsonNode.Parse(stack.Synthesize(new() { ["senderAddress"] = "hello@example.com" }))!.AsObject();
        var oneConfig = SynthesizedStack.OfType(oneRegion, "AWS::CloudFront::Distribution").Single().Properties["DistributionConfig"]!;
        var oneApi = oneConfig["CacheBehaviors"]!.AsArray().Single(b => b!["PathPattern"]!.GetValue<string>() == "/api/*")!;
        var oneOrigin = oneConfig["Origins"]!.AsArray().Single(o => o!["Id"]!.GetValue<string>() == oneApi["TargetOriginId"]!.GetValue<string>())!;
        Assert.Contains(SynthesizedStack.OfType(oneRegion, "AWS::ApiGatewayV2::Api").Single().Id, oneOrigin["DomainName"]!.ToJsonString());

        // CloudFront proves itself to the API with a secret from Parameter Store, resolved at deploy time, read by the API at start.
        var secret = origin["OriginCustomHeaders"]!.AsArray().Single(h => h!["HeaderName"]!.GetValue<string>() == Edge.OriginSecretHeader)!;
        Assert.Equal("{{resolve:ssm:/myblog/origin-secret:1}}", secret["HeaderValue"]!.GetValue<string>());
        Assert.Equal("/myblog/origin-secret:1", stack.Function("Api").Properties["Environment"]!["Variables"]!["Secrets__Edge__OriginSecret"]!.GetValue<string>());
        Assert.Contains(RoleStatements("Api"), s => Strings(s["Action"]).Contains("ssm:GetParameter") && s["Resource"]!.ToJsonString().Contains("parameter/myblog/origin-secret"));
    }

    [Fact]
    public void The_security_headers_are_the_ones_the_local_edge_sends()
    {
        Assert.Equal(MyBlog.Web.Edge.EdgeExtensions.ContentSecurityPolicy, Edge.ContentSecurityPolicy);
        var policies = stack.OfType("AWS::CloudFront::ResponseHeadersPolicy").ToList();
        Assert.Equal(2, policies.Count); // the site, and the editor (which may also connect to the uploads endpoint)
        foreach (var (_, policy) in policies)
        {
            var headers = policy["ResponseHeadersPolicyConfig"]!["SecurityHeadersConfig"]!;
            // The editor's policy joins in the uploads bucket's name (a token), so its first part is the plain text.
            var csp = headers["ContentSecurityPolicy"]!["ContentSecurityPolicy"]!;
            Assert.StartsWith(Edge.ContentSecurityPolicy, csp is JsonValue ? csp.GetValue<string>() : csp["Fn::Join"]![1]![0]!.GetValue<string>());
            Assert.Equal("DENY", headers["FrameOptions"]!["FrameOption"]!.GetValue<string>());
            Assert.Equal("strict-origin-when-cross-origin", headers["ReferrerPolicy"]!["ReferrerPolicy"]!.GetValue<string>());
            Assert.True(headers["ContentTypeOptions"]!["Override"]!.GetValue<bool>());
            Assert.Equal(31536000, headers["StrictTransportSecurity"]!["AccessControlMaxAgeSec"]!.GetValue<double>());
        }
    }

    [Fact]
    public void One_global_table_on_demand_with_PITR_the_stream_deletion_protection_and_the_replicas()
    {
        var (_, table) = stack.Single("AWS::DynamoDB::GlobalTable");
        Assert.Equal("PAY_PER_REQUEST", table["BillingMode"]!.GetValue<string>());
        Assert.Equal("NEW_AND_OLD_IMAGES", table["StreamSpecification"]!["StreamViewType"]!.GetValue<string>());
        // Worthless items (sign-in links, challenges, old sessions) go by themselves.
        Assert.Equal(MyBlogTable.TimeToLive, table["TimeToLiveSpecification"]!["AttributeName"]!.GetValue<string>());
        Assert.True(table["TimeToLiveSpecification"]!["Enabled"]!.GetValue<bool>());
        var replicas = table["Replicas"]!.AsArray();
        Assert.Equal(["ap-southeast-2", "eu-west-1", "us-east-1"], replicas.Select(r => r!["Region"]!.GetValue<string>()).Order());
        Assert.All(replicas, r =>
        {
            Assert.True(r!["PointInTimeRecoverySpecification"]!["PointInTimeRecoveryEnabled"]!.GetValue<bool>());
            Assert.True(r["DeletionProtectionEnabled"]!.GetValue<bool>());
        });
        var indexes = table["GlobalSecondaryIndexes"]!.AsArray().ToDictionary(i => i!["IndexName"]!.GetValue<string>());
        Assert.Equal([MyBlogTable.ListIndex, MyBlogTable.DirectoryIndex], indexes.Keys.Order());
        Assert.Equal(MyBlogTable.ListAttributes.Order(), Strings(indexes[MyBlogTable.ListIndex]!["Projection"]!["NonKeyAttributes"]).Order());
        Assert.Equal(MyBlogTable.DirectoryAttributes.Order(), Strings(indexes[MyBlogTable.DirectoryIndex]!["Projection"]!["NonKeyAttributes"]).Order());
        Assert.Equal("Retain", stack.Resources.Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::DynamoDB::GlobalTable").Value!["DeletionPolicy"]!.GetValue<string>());
    }

    [Fact]
    public void Functions_run_the_self_contained_build_on_provided_al2023_with_the_Lambda_Web_Adapter()
    {
        foreach (var name in OurFunctions)
        {
            var (_, function) = stack.Function(name);
            Assert.Equal("provided.al2023", function["Runtime"]!.GetValue<string>());
            Assert.Equal("bootstrap", function["Handler"]!.GetValue<string>());
            Assert.Equal(["x86_64"], Strings(function["Architectures"]));
            Assert.Equal(["arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerX86:30"], Strings(function["Layers"]));
            var environment = function["Environment"]!["Variables"]!.AsObject();
            Assert.Equal("/health", environment["AWS_LWA_READINESS_CHECK_PATH"]!.GetValue<string>());
            Assert.Equal("8080", environment["AWS_LWA_PORT"]!.GetValue<string>());
            Assert.Null(environment["AWS_LAMBDA_EXEC_WRAPPER"]); // OS-only runtimes take no wrapper: the adapter is an extension
        }
        // Each worker function runs one handler at its path, and composes only what that handler uses.
        foreach (var worker in AwsFunctions.Workers)
        {
            var variables = stack.Function(worker.ConstructId).Properties["Environment"]!["Variables"]!;
            Assert.Equal(worker.Path, variables["AWS_LWA_PASS_THROUGH_PATH"]!.GetValue<string>());
            Assert.Equal(worker.Name, variables["Workers__Handler"]!.GetValue<string>());
        }
        Assert.Null(stack.Function("Api").Properties["Environment"]!["Variables"]!["AWS_LWA_PASS_THROUGH_PATH"]);
    }

    [Fact]
    public void Each_function_has_its_own_role_with_no_wildcard_action_and_resources_scoped_to_this_stack()
    {
        var roles = OurFunctions.Select(f => SynthesizedStack.Ref(stack.Function(f).Properties["Role"])).ToList();
        Assert.Equal(OurFunctions.Length, roles.Distinct().Count());
        foreach (var role in roles)
        {
            Assert.Null(stack.Resources[role]!["Properties"]!["ManagedPolicyArns"]); // not AWSLambdaBasicExecutionRole (every log group)
        }
        foreach (var function in OurFunctions)
        {
            var statements = RoleStatements(function).ToList();
            Assert.NotEmpty(statements);
            foreach (var statement in statements)
            {
                Assert.Equal("Allow", statement["Effect"]!.GetValue<string>());
                Assert.All(Strings(statement["Action"]), action => Assert.DoesNotContain("*", action));
                if (Strings(statement["Resource"]).Contains("*"))
                {
                    Assert.All(Strings(statement["Action"]), action => Assert.StartsWith("xray:Put", action)); // X-Ray has no resource-level permissions
                }
            }
        }
    }

    [Fact]
    public void Each_role_holds_only_what_its_handler_touches()
    {
        static HashSet<string> Actions(IEnumerable<JsonObject> statements) => statements.SelectMany(s => Strings(s["Action"])).ToHashSet();
        var api = Actions(RoleStatements("Api"));
        var welcome = Actions(RoleStatements("WelcomeMail"));
        var sweep = Actions(RoleStatements("WelcomeSweep"));
        var publish = Actions(RoleStatements("Publish"));
        var thumbnails = Actions(RoleStatements("Thumbnails"));

        Assert.Contains("s3:PutObject", api);
        Assert.DoesNotContain("cloudfront:CreateInvalidation", api);
        Assert.Contains("ssm:GetParameter", welcome);
        Assert.DoesNotContain(welcome, a => a.StartsWith("s3:", StringComparison.Ordinal));
        Assert.DoesNotContain("dynamodb:Query", welcome); // the stream names its subscriber; only the sweep looks them up
        Assert.Contains("dynamodb:Query", sweep);
        Assert.Contains("ssm:GetParameter", sweep);
        Assert.DoesNotContain(sweep, a => a.StartsWith("s3:", StringComparison.Ordinal) || a.StartsWith("dynamodb:GetRecords", StringComparison.Ordinal));
        Assert.Contains("cloudfront:CreateInvalidation", publish);
        Assert.DoesNotContain("ssm:GetParameter", publish);
        Assert.Contains("sqs:ReceiveMessage", thumbnails);
        Assert.DoesNotContain("cloudfront:CreateInvalidation", thumbnails);

        // The publisher may invalidate this distribution only; the parameters are named, not patterns.
        var invalidation = RoleStatements("Publish").Single(s => Strings(s["Action"]).Contains("cloudfront:CreateInvalidation"));
        var distribution = stack.Single("AWS::CloudFront::Distribution").Id;
        Assert.Contains($"distribution/\",{{\"Ref\":\"{distribution}\"}}", invalidation["Resource"]!.ToJsonString());
        var parameters = RoleStatements("WelcomeMail").Where(s => Strings(s["Action"]).Contains("ssm:GetParameter")).Select(s => s["Resource"]!.ToJsonString()).ToList();
        Assert.Contains(parameters, r => r.EndsWith(":parameter/myblog/subscriber-id-key\"]]}", StringComparison.Ordinal));
    }

    [Fact]
    public void No_secret_is_in_the_template_or_any_environment_only_parameter_names()
    {
        var text = stack.Template.ToJsonString();
        foreach (var name in OurFunctions)
        {
            var variables = stack.Function(name).Properties["Environment"]!["Variables"]!.AsObject();
            foreach (var (key, value) in variables)
            {
                if (key.StartsWith("Secrets__", StringComparison.Ordinal))
                {
                    Assert.StartsWith("/myblog/", value!.GetValue<string>()); // an SSM parameter's name, read at run time
                }
                else
                {
                    Assert.DoesNotMatch("(?i)password|secret|apikey|token", key);
                }
            }
        }
        Assert.DoesNotContain("local-setup-code", text);
        Assert.DoesNotContain("AKIA", text);
        // The secrets are created by the operator, not by the stack; its only parameters are what the other regions' stacks read.
        Assert.All(stack.OfType("AWS::SSM::Parameter"), p =>
        {
            Assert.Equal("String", p.Properties["Type"]!.GetValue<string>());
            Assert.Contains(p.Properties["Name"]!.GetValue<string>(), new[] { "/MyBlog/table-name", "/MyBlog/distribution-id" });
        });
    }

    [Fact]
    public void Stream_subscriptions_run_in_the_home_region_with_LocalAws_filters_and_limits_and_an_on_failure_queue()
    {
        var mappings = stack.OfType("AWS::Lambda::EventSourceMapping").Where(m => m.Properties["StartingPosition"] is not null).ToList();
        var failures = stack.OfType("AWS::SQS::Queue").Single(q => q.Id.StartsWith("FunctionsStreamFailures", StringComparison.Ordinal)).Id;
        Assert.Equal(AwsFunctions.Triggered<StreamTrigger>().Count(), mappings.Count);
        foreach (var (function, subscription) in AwsFunctions.Triggered<StreamTrigger>())
        {
            var target = stack.Function(function.ConstructId).Id;
            var (_, mapping) = mappings.Single(m => stack.FunctionId(m.Properties["FunctionName"]) == target);
            Assert.Equal(stack.Single("AWS::DynamoDB::GlobalTable").Id, SynthesizedStack.Ref(mapping["EventSourceArn"]));
            Assert.Equal("LATEST", mapping["StartingPosition"]!.GetValue<string>());
            Assert.Equal(subscription.BatchSize, mapping["BatchSize"]!.GetValue<double>());
            Assert.Equal(subscription.MaximumRetryAttempts, mapping["MaximumRetryAttempts"]!.GetValue<double>());
            Assert.Equal(subscription.BisectBatchOnFunctionError, mapping["BisectBatchOnFunctionError"]!.GetValue<bool>());
            Assert.Equal(["ReportBatchItemFailures"], Strings(mapping["FunctionResponseTypes"]));
            Assert.Equal(subscription.FilterPatterns, mapping["FilterCriteria"]!["Filters"]!.AsArray().Select(f => f!["Pattern"]!.GetValue<string>()));
            Assert.Equal(failures, SynthesizedStack.Ref(mapping["DestinationConfig"]!["OnFailure"]!["Destination"]));
        }
        // Lambda counts the batching window in whole seconds: none for welcome mail, one for publishing.
        Assert.Null(mappings.Single(m => m.Id.Contains("welcome", StringComparison.OrdinalIgnoreCase)).Properties["MaximumBatchingWindowInSeconds"]);
        Assert.Equal(1, mappings.Single(m => m.Id.Contains("publishstream", StringComparison.OrdinalIgnoreCase)).Properties["MaximumBatchingWindowInSeconds"]!.GetValue<double>());
    }

    /// <summary>The CloudFront Function run in Node (its JavaScript 2.0 runtime's subset) on one viewer request.</summary>
    private static Task<JsonNode> RunDirectoryIndexAsync(string uri) =>
        RunCloudFrontFunctionAsync(Edge.DirectoryIndexFunction,
            $"{{ request: {{ uri: {System.Text.Json.JsonSerializer.Serialize(uri)}, querystring: {{ a: {{ value: '1' }} }} }} }}");

    /// <summary>A CloudFront Function's code run in Node on one event (a JavaScript object literal); its result.</summary>
    private static async Task<JsonNode> RunCloudFrontFunctionAsync(string code, string eventLiteral)
    {
        var script = Path.Combine(Path.GetTempPath(), $"myblog-cf-{Guid.NewGuid():N}.js");
        await File.WriteAllTextAsync(script, code + $"\nconsole.log(JSON.stringify(handler({eventLiteral})));\n");
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("node", [script]) { RedirectStandardOutput = true };
            using var node = System.Diagnostics.Process.Start(start)!;
            var output = await node.StandardOutput.ReadToEndAsync();
            await node.WaitForExitAsync();
            return JsonNode.Parse(output)!;
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>The redirect function run in Node on one viewer response with these headers.</summary>
    private static Task<JsonNode> RunRedirectAsync(string headersJson) =>
        RunCloudFrontFunctionAsync(Edge.RedirectFunction, $"{{ response: {{ statusCode: 200, statusDescription: 'OK', headers: {headersJson} }} }}");

    [Fact]
    public async Task Old_addresses_are_redirected_at_the_edge_from_the_objects_metadata_and_only_to_the_sites_own_paths()
    {
        var moved = await RunRedirectAsync("""{ "x-amz-meta-myblog-redirect": { "value": "/posts/%EC%95%88/" }, "content-type": { "value": "text/html" } }""");
        Assert.Equal(301, moved["statusCode"]!.GetValue<int>());
        Assert.Equal("/posts/%EC%95%88/", moved["headers"]!["location"]!["value"]!.GetValue<string>());
        Assert.Null(moved["headers"]!["x-amz-meta-myblog-redirect"]);

        var page = await RunRedirectAsync("""{ "content-type": { "value": "text/html" } }""");
        Assert.Equal(200, page["statusCode"]!.GetValue<int>());
        Assert.Null(page["headers"]!["location"]);
        foreach (var hostile in new[] { "//evil.example/", "https://evil.example/", "/\\evil.example", "/_publisher/x" })
        {
            var refused = await RunRedirectAsync($$"""{ "x-amz-meta-myblog-redirect": { "value": {{System.Text.Json.JsonSerializer.Serialize(hostile)}} } }""");
            Assert.Equal(200, refused["statusCode"]!.GetValue<int>());
        }

        // The function runs on the site's viewer responses (the default behavior), beside the directory function.
        var associations = stack.OfType("AWS::CloudFront::Distribution").Single().Properties["DistributionConfig"]!["DefaultCacheBehavior"]!["FunctionAssociations"]!.AsArray();
        Assert.Equal(["viewer-request", "viewer-response"], associations.Select(a => a!["EventType"]!.GetValue<string>()).Order());
        var function = stack.OfType("AWS::CloudFront::Function").Single(f => f.Properties["FunctionCode"]!.GetValue<string>().Contains("myblog-redirect", StringComparison.Ordinal));
        Assert.Equal("cloudfront-js-2.0", function.Properties["FunctionConfig"]!["Runtime"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/", "/index.html", null)]
    [InlineData("/posts/hello/", "/posts/hello/index.html", null)]
    [InlineData("/assets/site.0123456789ab.css", "/assets/site.0123456789ab.css", null)]
    [InlineData("/posts/hello", null, "/posts/hello/?a=1")]
    [InlineData("/posts/%EC%95%88", null, "/posts/%EC%95%88/?a=1")]
    [InlineData("//evil.example", "/_/not-found", null)]
    [InlineData("//evil.example/", "/_/not-found", null)]
    [InlineData("/\\evil.example", "/_/not-found", null)]
    [InlineData("/_publisher/manifest.json", "/_/not-found", null)]
    [InlineData("/posts//hello", "/_/not-found", null)]
    [InlineData("/.env", "/_/not-found", null)]
    public async Task The_CloudFront_function_resolves_directories_redirects_on_this_site_only_and_refuses_what_is_not_the_site(
        string uri, string? forwardedAs, string? redirectedTo)
    {
        var result = await RunDirectoryIndexAsync(uri);
        if (redirectedTo is null)
        {
            Assert.Equal(forwardedAs, result["uri"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal(301, result["statusCode"]!.GetValue<int>());
            Assert.Equal(redirectedTo, result["headers"]!["location"]!["value"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Access_logs_are_kept_90_days_and_the_API_is_throttled_tighter_for_subscribing()
    {
        var logs = Bucket(stack.Template, "Logs").Properties;
        Assert.Equal(90, logs["LifecycleConfiguration"]!["Rules"]![0]!["ExpirationInDays"]!.GetValue<double>());
        // Outside us-east-1 CloudFront cannot deliver its logs field by field, and the legacy logs carry query strings (link tokens).
        Assert.Null(stack.Single("AWS::CloudFront::Distribution").Properties["DistributionConfig"]!["Logging"]);
        Assert.Empty(stack.OfType("AWS::Logs::Delivery"));

        var (_, stage) = stack.Single("AWS::ApiGatewayV2::Stage");
        Assert.NotNull(stage["AccessLogSettings"]!["DestinationArn"]);
        Assert.Equal(PublicApi.DefaultRate, stage["DefaultRouteSettings"]!["ThrottlingRateLimit"]!.GetValue<double>());
        Assert.Equal(PublicApi.SubscribeRoute.Rate, stage["RouteSettings"]![PublicApi.SubscribeRoute.Key]!["ThrottlingRateLimit"]!.GetValue<double>());
        Assert.Contains(stack.OfType("AWS::ApiGatewayV2::Route"), r => r.Properties["RouteKey"]!.GetValue<string>() == PublicApi.SubscribeRoute.Key);
        Assert.All(OurFunctions, name => Assert.Equal("Active", stack.Function(name).Properties["TracingConfig"]!["Mode"]!.GetValue<string>()));
    }

    [Fact]
    public void CloudFront_may_not_read_the_publisher_s_files_and_the_publisher_writes_only_its_lock_to_the_table()
    {
        var policy = stack.OfType("AWS::S3::BucketPolicy").Single(p => SynthesizedStack.Ref(p.Properties["Bucket"]) == BucketId("Site")).Properties;
        var deny = Statements(policy).Single(s => s["Effect"]!.GetValue<string>() == "Deny" && s["Sid"]?.GetValue<string>() == "PublisherFilesAreNotTheSite");
        Assert.Equal(["s3:GetObject"], Strings(deny["Action"]));
        Assert.Contains("cloudfront.amazonaws.com", deny["Principal"]!.ToJsonString());
        Assert.Contains("/_publisher/*", deny["Resource"]!.ToJsonString());

        var writes = RoleStatements("Publish").Single(s => Strings(s["Action"]).Contains("dynamodb:PutItem"));
        Assert.Equal(["dynamodb:PutItem", "dynamodb:DeleteItem"], Strings(writes["Action"]));
        // One key, not a prefix: the pattern has no wildcard.
        Assert.Equal($"{{\"ForAllValues:StringLike\":{{\"dynamodb:LeadingKeys\":[\"{MyBlogTable.PublisherLockPartitionKey}\"]}}}}", writes["Condition"]!.ToJsonString());
    }

    [Fact]
    public void The_welcome_sweep_may_check_the_regions_heartbeats_in_its_takeover_transactions_and_no_other_item()
    {
        var check = RoleStatements("WelcomeSweep").Single(s => Strings(s["Action"]).Contains("dynamodb:ConditionCheckItem"));
        Assert.Equal(["dynamodb:ConditionCheckItem"], Strings(check["Action"]));
        Assert.Equal($"{{\"ForAllValues:StringLike\":{{\"dynamodb:LeadingKeys\":[\"{Core.Regions.RegionPresence.PartitionKey}\"]}}}}", check["Condition"]!.ToJsonString());
    }

    [Fact]
    public void The_welcome_sweep_runs_every_minute_from_EventBridge_Scheduler_with_a_role_that_may_invoke_it_alone_and_a_dead_letter_queue()
    {
        var sweep = stack.Function("WelcomeSweep");
        var (_, schedule) = stack.Single("AWS::Scheduler::Schedule", s => s["Target"]!["Input"]!.GetValue<string>() == AwsFunctions.WelcomeSweep.ScheduleInput);
        Assert.Equal("rate(1 minute)", schedule["ScheduleExpression"]!.GetValue<string>());
        Assert.Equal("OFF", schedule["FlexibleTimeWindow"]!["Mode"]!.GetValue<string>());
        var target = schedule["Target"]!;
        Assert.Equal(sweep.Id, SynthesizedStack.Ref(target["Arn"]));
        Assert.Equal(AwsFunctions.WelcomeSweep.ScheduleInput, target["Input"]!.GetValue<string>());
        Assert.Equal(0, target["RetryPolicy"]!["MaximumRetryAttempts"]!.GetValue<double>()); // the next minute's run comes anyway
        Assert.Equal(60, target["RetryPolicy"]!["MaximumEventAgeInSeconds"]!.GetValue<double>());
        // A run Scheduler could not make (the role lost its right, the function refused) lands where an alarm sees it.
        var deadLetters = stack.OfType("AWS::SQS::Queue").Single(q => q.Id.StartsWith("FunctionsScheduleDeadLetters", StringComparison.Ordinal)).Id;
        Assert.Equal(deadLetters, SynthesizedStack.Ref(target["DeadLetterConfig"]!["Arn"]));
        Assert.Contains(stack.OfType("AWS::CloudWatch::Alarm"), a => SynthesizedStack.Ref(a.Properties["Dimensions"]?[0]?["Value"]) == deadLetters);

        var role = stack.Resources[SynthesizedStack.Ref(target["RoleArn"])]!["Properties"]!;
        Assert.Contains("scheduler.amazonaws.com", role["AssumeRolePolicyDocument"]!.ToJsonString());
        Assert.Contains("aws:SourceAccount", role["AssumeRolePolicyDocument"]!.ToJsonString());
        var invoke = stack.OfType("AWS::IAM::Policy")
            .Where(p => p.Properties["Roles"]!.AsArray().Any(r => SynthesizedStack.Ref(r) == SynthesizedStack.Ref(target["RoleArn"])))
            .SelectMany(p => Statements(p.Properties)).ToList();
        Assert.Equal(2, invoke.Count);
        Assert.Equal(["lambda:InvokeFunction"], Strings(invoke[0]["Action"]));
        Assert.Equal(sweep.Id, SynthesizedStack.Ref(invoke[0]["Resource"]));
        Assert.Equal(["sqs:SendMessage"], Strings(invoke[1]["Action"]));
        Assert.Equal(deadLetters, SynthesizedStack.Ref(invoke[1]["Resource"]));
    }

    [Fact]
    public void Scheduled_posts_are_published_by_their_one_time_schedules_and_a_run_every_minute()
    {
        var publishDue = stack.Function("PublishDue");
        var (_, recurring) = stack.Single("AWS::Scheduler::Schedule", s => s["Target"]!["Input"]!.GetValue<string>() == AwsFunctions.PublishDue.ScheduleInput);
        Assert.Equal("rate(1 minute)", recurring["ScheduleExpression"]!.GetValue<string>());
        Assert.Equal(publishDue.Id, SynthesizedStack.Ref(recurring["Target"]!["Arn"]));
        Assert.Equal(AwsFunctions.PublishDue.Path, publishDue.Properties["Environment"]!["Variables"]!["AWS_LWA_PASS_THROUGH_PATH"]!.GetValue<string>());

        // The API makes each post's one-time schedule: it knows the target and the role, and may pass that role
        // to EventBridge Scheduler only, and manage only this stack's post schedules.
        var api = stack.Function("Api");
        var variables = api.Properties["Environment"]!["Variables"]!;
        Assert.Equal(publishDue.Id, SynthesizedStack.Ref(variables["Scheduling__TargetArn"]));
        var schedulerRole = SynthesizedStack.Ref(recurring["Target"]!["RoleArn"]);
        Assert.Equal(schedulerRole, SynthesizedStack.Ref(variables["Scheduling__RoleArn"]));
        // A post whose schedule could not invoke the publisher lands on the alarmed dead-letter queue, as the recurring runs do.
        Assert.StartsWith("FunctionsScheduleDeadLetters", SynthesizedStack.Ref(variables["Scheduling__DeadLetterArn"]), StringComparison.Ordinal);
        var prefix = variables["Scheduling__NamePrefix"]!.GetValue<string>();
        Assert.True(PublishScheduler.ScheduleName(prefix, new string('가', 88)).Length <= 64);
        var statements = RoleStatements("Api").ToList();
        var manage = statements.Single(st => Strings(st["Action"]).Contains("scheduler:CreateSchedule"));
        Assert.Equal(["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:UpdateSchedule"], Strings(manage["Action"]).Order());
        Assert.EndsWith($":schedule/default/{prefix}-publish-*", manage["Resource"]!.ToJsonString().TrimEnd('"', ']', '}'));
        var pass = statements.Single(st => Strings(st["Action"]).Contains("iam:PassRole"));
        Assert.Equal(schedulerRole, SynthesizedStack.Ref(pass["Resource"]));
        Assert.Contains("scheduler.amazonaws.com", pass["Condition"]!.ToJsonString());
    }

    [Fact]
    public void The_mail_functions_paces_add_up_to_the_SES_account_rate_under_their_reserved_concurrency()
    {
        double Rate(string name) => double.Parse(stack.Function(name).Properties["Environment"]!["Variables"]!["Mail__MaxSendRate"]!.GetValue<string>(),
            System.Globalization.CultureInfo.InvariantCulture);
        double Reserved(string name) => stack.Function(name).Properties["ReservedConcurrentExecutions"]!.GetValue<double>();

        Assert.Equal(14, Reserved("WelcomeMail") * Rate("WelcomeMail") + Reserved("WelcomeSweep") * Rate("WelcomeSweep")
            + Reserved("NewsletterSend") * Rate("NewsletterSend") + Reserved("StaffMail") * Rate("StaffMail"), precision: 2);
        Assert.Equal(AwsFunctions.WelcomeMail.Mail!.Instances, Reserved("WelcomeMail"));
        Assert.Equal(1, Reserved("WelcomeSweep"));
        Assert.Equal(AwsFunctions.NewsletterSend.Mail!.Instances, Reserved("NewsletterSend"));
        // Half the rate is the newsletter's, and its queue never hands out more batches than it may send at once.
        Assert.Equal(7, Reserved("NewsletterSend") * Rate("NewsletterSend"), precision: 2);
        var newsletterMapping = stack.OfType("AWS::Lambda::EventSourceMapping").Single(m => stack.FunctionId(m.Properties["FunctionName"]) == stack.Function("NewsletterSend").Id).Properties;
        Assert.Equal(AwsFunctions.NewsletterSend.Mail!.Instances, newsletterMapping["ScalingConfig"]!["MaximumConcurrency"]!.GetValue<double>());
        Assert.Equal(AwsFunctions.NewsletterSend.Queue.BatchSize, newsletterMapping["BatchSize"]!.GetValue<double>());
        // Each stops starting sends with a whole send and a margin left before Lambda's timeout.
        var sweep = stack.Function("WelcomeSweep").Properties;
        Assert.Equal(180, sweep["Timeout"]!.GetValue<double>());
        Assert.Equal("00:02:00", sweep["Environment"]!["Variables"]!["Mail__SweepBudget"]!.GetValue<string>());
        Assert.Equal("00:00:25", stack.Function("WelcomeMail").Properties["Environment"]!["Variables"]!["Mail__BatchBudget"]!.GetValue<string>());
        Assert.Equal(60, stack.Function("WelcomeMail").Properties["Timeout"]!.GetValue<double>());
        Assert.Null(stack.Function("Api").Properties["ReservedConcurrentExecutions"]);
    }

    [Theory]
    [InlineData("thumbnails", "Thumbnails", 1024)]
    [InlineData("imports", "Imports", 1024)]
    public void Uploads_reach_their_function_through_a_queue_with_a_dead_letter_queue_and_partial_batch_responses(
        string functionName, string queueName, int memoryMb)
    {
        var declaration = AwsFunctions.Named(functionName)!;
        var function = declaration.ConstructId;
        var subscription = declaration.Queue;
        var (queueId, queue) = stack.OfType("AWS::SQS::Queue").Single(q => q.Id.StartsWith($"Functions{queueName}Queue", StringComparison.Ordinal));
        Assert.Equal(subscription.VisibilityTimeout.TotalSeconds, queue["VisibilityTimeout"]!.GetValue<double>());
        Assert.True(subscription.VisibilityTimeout >= 6 * declaration.FunctionTimeout); // as AWS asks for SQS event sources
        Assert.Equal(subscription.MaxReceiveCount, queue["RedrivePolicy"]!["maxReceiveCount"]!.GetValue<double>());
        Assert.StartsWith($"Functions{queueName}DeadLetters", SynthesizedStack.Ref(queue["RedrivePolicy"]!["deadLetterTargetArn"]));

        // Set on the bucket itself (no notifications custom resource); S3 may send to the queue from this bucket only,
        // and the bucket is created after the queue's policy, which S3 checks when it saves the configuration.
        var uploads = stack.Resources[BucketId("Uploads")]!.AsObject();
        var configuration = Assert.Single(uploads["Properties"]!["NotificationConfiguration"]!["QueueConfigurations"]!.AsArray(),
            c => SynthesizedStack.Ref(c!["Queue"]) == queueId)!;
        Assert.Equal("s3:ObjectCreated:*", configuration["Event"]!.GetValue<string>());
        var rule = Assert.Single(configuration["Filter"]!["S3Key"]!["Rules"]!.AsArray())!;
        Assert.Equal(("prefix", subscription.Source!.KeyPrefix), (rule["Name"]!.GetValue<string>(), rule["Value"]!.GetValue<string>()));
        Assert.Empty(stack.OfType("Custom::S3BucketNotifications"));

        var (policyId, queuePolicy) = stack.Single("AWS::SQS::QueuePolicy", p => p["Queues"]!.AsArray().Any(q => SynthesizedStack.Ref(q) == queueId));
        var send = Assert.Single(Statements(queuePolicy), s => s["Effect"]!.GetValue<string>() == "Allow");
        Assert.Equal("s3.amazonaws.com", send["Principal"]!["Service"]!.GetValue<string>());
        Assert.Equal(["sqs:SendMessage"], Strings(send["Action"]));
        Assert.Equal(UploadsBucketArn, send["Condition"]!["ArnEquals"]!["aws:SourceArn"]!.ToJsonString());
        Assert.Equal("{\"Ref\":\"AWS::AccountId\"}", send["Condition"]!["StringEquals"]!["aws:SourceAccount"]!.ToJsonString());
        Assert.Contains(policyId, Strings(uploads["DependsOn"]));

        var (_, mapping) = stack.OfType("AWS::Lambda::EventSourceMapping").Single(m => SynthesizedStack.Ref(m.Properties["EventSourceArn"]) == queueId);
        Assert.Equal(stack.Function(function).Id, stack.FunctionId(mapping["FunctionName"]));
        Assert.Equal(["ReportBatchItemFailures"], Strings(mapping["FunctionResponseTypes"]));
        Assert.Equal(subscription.BatchSize, mapping["BatchSize"]!.GetValue<double>());
        Assert.Equal(memoryMb, stack.Function(function).Properties["MemorySize"]!.GetValue<double>());
        Assert.Equal(declaration.FunctionTimeout.TotalSeconds, stack.Function(function).Properties["Timeout"]!.GetValue<double>());
    }

    [Fact]
    public void The_newsletter_plans_from_the_stream_sends_from_its_queue_and_SES_feedback_reaches_its_function()
    {
        // The queue: visibility six times the sender's timeout, a dead-letter queue after 5 receives.
        var queues = stack.OfType("AWS::SQS::Queue").ToList();
        var (queueId, queue) = queues.Single(q => q.Id.StartsWith("FunctionsNewsletterQueue", StringComparison.Ordinal));
        var deadLetters = queues.Single(q => q.Id.StartsWith("FunctionsNewsletterDeadLetters", StringComparison.Ordinal)).Id;
        Assert.Equal(AwsFunctions.NewsletterSend.Queue.VisibilityTimeout.TotalSeconds, queue["VisibilityTimeout"]!.GetValue<double>());
        Assert.True(AwsFunctions.NewsletterSend.Queue.VisibilityTimeout >= 6 * AwsFunctions.NewsletterSend.FunctionTimeout);
        Assert.Equal(deadLetters, SynthesizedStack.Ref(queue["RedrivePolicy"]!["deadLetterTargetArn"]));
        Assert.Equal(AwsFunctions.NewsletterSend.Queue.MaxReceiveCount, queue["RedrivePolicy"]!["maxReceiveCount"]!.GetValue<double>());

        // Who may send to it: the planner, the sweep (which resumes a stopped planner) and the API (the test copy).
        var senders = new[] { "NewsletterPlan", "WelcomeSweep", "Api" };
        foreach (var function in OurFunctions)
        {
            var sends = RoleStatements(function).Any(s => Strings(s["Action"]).Contains("sqs:SendMessage")
                && Strings(s["Resource"]).Any(r => r.Contains(queueId, StringComparison.Ordinal)));
            Assert.True(sends == senders.Contains(function), $"{function} {(sends ? "may" : "may not")} send newsletter batches");
        }
        var sender = stack.Function("NewsletterSend").Properties;
        Assert.Equal(AwsFunctions.NewsletterSend.Name, sender["Environment"]!["Variables"]!["Workers__Handler"]!.GetValue<string>());
        Assert.Equal("/myblog/link-key", sender["Environment"]!["Variables"]!["Secrets__Subscribers__LinkKey"]!.GetValue<string>());
        Assert.Equal("/myblog/link-key", stack.Function("Api").Properties["Environment"]!["Variables"]!["Secrets__Subscribers__LinkKey"]!.GetValue<string>());
        // The sender never scans, deletes or writes whole items; the planner never sends mail.
        Assert.DoesNotContain(RoleStatements("NewsletterSend").SelectMany(st => Strings(st["Action"])), a => a is "dynamodb:Scan");
        // Its one secret is the subscribers' id key (its store finds subscribers by id); never the link key or mail credentials.
        Assert.All(RoleStatements("NewsletterPlan").Where(st => Strings(st["Action"]).Any(a => a.StartsWith("ssm:", StringComparison.Ordinal))),
            st => Assert.EndsWith("parameter/myblog/subscriber-id-key\"]]}", st["Resource"]!.ToJsonString()));

        // SES: the sender identity's default configuration set publishes bounces and complaints to the topic, which
        // SES may publish to, and whose one subscription (the feedback function) has a dead-letter queue.
        var (setId, set) = stack.Single("AWS::SES::ConfigurationSet");
        Assert.Equal(["BOUNCE", "COMPLAINT"], Strings(set["SuppressionOptions"]!["SuppressedReasons"]));
        Assert.Equal(setId, SynthesizedStack.Ref(stack.Single("AWS::SES::EmailIdentity").Properties["ConfigurationSetAttributes"]!["ConfigurationSetName"]));
        var destination = stack.Single("AWS::SES::ConfigurationSetEventDestination").Properties["EventDestination"]!;
        Assert.Equal(["bounce", "complaint"], Strings(destination["MatchingEventTypes"]).Order());
        var topic = stack.Single("AWS::SNS::Topic", t => t["DisplayName"]?.GetValue<string>() == $"MyBlog {AwsFunctions.MailFeedback.Name}").Id;
        Assert.Equal(topic, SynthesizedStack.Ref(destination["SnsDestination"]!["TopicARN"]));
        Assert.Contains(stack.OfType("AWS::SNS::TopicPolicy").SelectMany(p => Statements(p.Properties)),
            st => st["Principal"]?["Service"]?.GetValue<string>() == "ses.amazonaws.com" && Strings(st["Action"]).Contains("sns:Publish"));
        var (_, subscription) = stack.Single("AWS::SNS::Subscription", s => SynthesizedStack.Ref(s["TopicArn"]) == topic);
        Assert.Equal(stack.Function("MailFeedback").Id, SynthesizedStack.Ref(subscription["Endpoint"]));
        Assert.NotNull(subscription["RedrivePolicy"]);
    }

    [Fact]
    public void Mail_goes_through_SES_s_API_with_each_mail_function_s_own_role_and_no_SMTP_credentials_anywhere()
    {
        Assert.Equal("hello@example.com", stack.Single("AWS::SES::EmailIdentity").Properties["EmailIdentity"]!.GetValue<string>());
        var configurationSet = stack.Single("AWS::SES::ConfigurationSet").Id;
        foreach (var declaration in AwsFunctions.All)
        {
            var variables = stack.Function(declaration.ConstructId).Properties["Environment"]!["Variables"]!.AsObject();
            Assert.DoesNotContain(variables, v => v.Key.StartsWith("Mail__Host", StringComparison.Ordinal) || v.Key.StartsWith("Mail__Port", StringComparison.Ordinal)
                || v.Key.StartsWith("Mail__UserName", StringComparison.Ordinal) || v.Key.StartsWith("Mail__Password", StringComparison.Ordinal) || v.Key == "Secrets__Mail");
            var send = RoleStatements(declaration.ConstructId).Where(s => Strings(s["Action"]).Any(a => a.StartsWith("ses:", StringComparison.Ordinal))).ToList();
            if (declaration.Mail is null)
            {
                Assert.Empty(send);
                continue;
            }
            Assert.Equal("hello@example.com", variables["Mail__FromAddress"]!.GetValue<string>());
            Assert.Equal(configurationSet, SynthesizedStack.Ref(variables["Mail__ConfigurationSet"]));
            var statement = Assert.Single(send);
            Assert.Equal(["ses:SendEmail", "ses:SendRawEmail"], Strings(statement["Action"]).Order());
            var resources = statement["Resource"]!.ToJsonString();
            // The address's identity, its domain's (when the domain is what is verified) and the configuration set: nothing else.
            Assert.Contains(":identity/hello@example.com", resources, StringComparison.Ordinal);
            Assert.Contains(":identity/example.com", resources, StringComparison.Ordinal);
            Assert.Contains(":configuration-set/", resources, StringComparison.Ordinal);
            Assert.DoesNotContain("*", resources, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("smtp", stack.Template.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_existing_sender_identity_is_used_as_it_is_not_created()
    {
        var template = JsonNode.Parse(stack.Synthesize(new() { ["senderAddress"] = "hello@example.com", ["homeRegion"] = "eu-west-1", ["existingSenderIdentity"] = "true" }))!.AsObject();
        Assert.Empty(SynthesizedStack.OfType(template, "AWS::SES::EmailIdentity"));
        Assert.Single(SynthesizedStack.OfType(template, "AWS::SES::ConfigurationSet"));
    }

    [Fact]
    public void Alarms_watch_the_dead_letter_queues_and_every_function_and_logs_are_kept_a_month()
    {
        var alarms = stack.OfType("AWS::CloudWatch::Alarm").ToList();
        Assert.Equal(6, alarms.Count(a => a.Properties["MetricName"]!.GetValue<string>() == "ApproximateNumberOfMessagesVisible"));
        Assert.Equal(OurFunctions.Length, alarms.Count(a => a.Properties["MetricName"]!.GetValue<string>() == "Errors"));
        var logGroups = stack.OfType("AWS::Logs::LogGroup").ToList();
        Assert.Equal(OurFunctions.Length + 1, logGroups.Count); // and the HTTP API's access logs
        Assert.All(logGroups, g => Assert.Equal(30, g.Properties["RetentionInDays"]!.GetValue<double>()));
        // Each function writes to /aws/lambda/<its name>, where AWS's console, docs and tools look for it.
        foreach (var declaration in AwsFunctions.All)
        {
            var function = stack.Function(declaration.ConstructId).Properties;
            Assert.Equal($"MyBlog-{declaration.Name}", function["FunctionName"]!.GetValue<string>());
            var (_, logGroup) = Assert.Single(logGroups, g => g.Id == SynthesizedStack.Ref(function["LoggingConfig"]!["LogGroup"]));
            Assert.Equal($"/aws/lambda/MyBlog-{declaration.Name}", logGroup["LogGroupName"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Every_alarm_tells_the_alarm_topic_which_mails_the_alarm_address_and_the_missing_alarms_exist()
    {
        var topic = stack.Single("AWS::SNS::Topic", t => t["DisplayName"]?.GetValue<string>() == "MyBlog alarms").Id;
        var subscription = stack.Single("AWS::SNS::Subscription", s => SynthesizedStack.Ref(s["TopicArn"]) == topic).Properties;
        Assert.Equal("email", subscription["Protocol"]!.GetValue<string>());
        Assert.Equal("alarms@example.com", subscription["Endpoint"]!.GetValue<string>());

        var alarms = stack.OfType("AWS::CloudWatch::Alarm").ToList();
        Assert.All(alarms, a =>
        {
            Assert.Equal(topic, SynthesizedStack.Ref(Assert.Single(a.Properties["AlarmActions"]!.AsArray())));
            Assert.Equal(topic, SynthesizedStack.Ref(Assert.Single(a.Properties["OKActions"]!.AsArray())));
        });
        int Count(string metric) => alarms.Count(a => a.Properties["MetricName"]?.GetValue<string>() == metric);
        Assert.Equal(OurFunctions.Length, Count("Throttles"));
        Assert.Equal(AwsFunctions.Triggered<StreamTrigger>().Count(), Count("IteratorAge"));
        Assert.Equal(AwsFunctions.Triggered<QueueTrigger>().Count(), Count("ApproximateAgeOfOldestMessage"));
        // The API's failures are answers, not Lambda errors: API Gateway counts them.
        var api5xx = Assert.Single(alarms, a => a.Properties["MetricName"]?.GetValue<string>() == "5xx").Properties;
        Assert.Equal("AWS/ApiGateway", api5xx["Namespace"]!.GetValue<string>());
        Assert.Equal(1, Count("Latency"));
        Assert.Equal(2, Count("ReplicationLatency")); // one per replica region
        Assert.Equal(1, Count("Reputation.BounceRate"));
        Assert.Equal(1, Count("Reputation.ComplaintRate"));
        // A refusal of the account's setup, logged by any mail function, alarms within a minute.
        var filters = stack.OfType("AWS::Logs::MetricFilter").ToList();
        Assert.Equal(AwsFunctions.All.Count(f => f.Mail is not null), filters.Count);
        Assert.All(filters, f => Assert.Equal($"\"{LogMarkers.MailAccountSetup}\"", f.Properties["FilterPattern"]!.GetValue<string>()));
        var setup = Assert.Single(alarms, a => a.Properties["MetricName"]?.GetValue<string>() == "MailAccountSetupRefusals").Properties;
        Assert.Equal(60, setup["Period"]!.GetValue<double>());
        // CloudFront's metrics live in us-east-1 only: this stack's home is eu-west-1.
        Assert.Equal(0, Count("5xxErrorRate"));

        var defaults = JsonNode.Parse(stack.Synthesize(new() { ["homeRegion"] = "us-east-1", ["replicaRegions"] = "", ["senderAddress"] = "hello@example.com" }))!.AsObject();
        var defaultAlarms = SynthesizedStack.OfType(defaults, "AWS::CloudWatch::Alarm").ToList();
        Assert.Single(defaultAlarms, a => a.Properties["MetricName"]?.GetValue<string>() == "5xxErrorRate");
        // Alarms go to the sender's mailbox unless told otherwise.
        Assert.Equal("hello@example.com", SynthesizedStack.OfType(defaults, "AWS::SNS::Subscription").Single(s => s.Properties["Protocol"]!.GetValue<string>() == "email").Properties["Endpoint"]!.GetValue<string>());
        // A fresh account's concurrency quota (often 10) leaves nothing to reserve: by default nothing is.
        Assert.All(SynthesizedStack.OfType(defaults, "AWS::Lambda::Function"), f => Assert.Null(f.Properties["ReservedConcurrentExecutions"]));
    }

    [Fact]
    public void CloudFormation_can_order_the_resources_with_a_custom_domain_and_with_CloudFront_s_own()
    {
        var circle = JsonNode.Parse("""{"Resources": {"A": {"Properties": {"X": {"Ref": "B"}}}, "B": {"Properties": {"Y": {"Fn::GetAtt": ["A", "Arn"]}}}}}""")!.AsObject();
        Assert.Equal(["A", "B", "A"], SynthesizedStack.FindCycle(circle)); // the check itself sees one
        Assert.Null(SynthesizedStack.FindCycle(stack.Template));

        // cdk.json's defaults: no custom domain, so the uploads bucket's CORS names the distribution's own domain
        // while the distribution's editor CSP names the uploads bucket.
        var defaults = JsonNode.Parse(stack.Synthesize(new() { ["homeRegion"] = "us-east-1", ["replicaRegions"] = "", ["senderAddress"] = "hello@example.com" }))!.AsObject();
        Assert.Contains("DomainName", Bucket(defaults, "Uploads").Properties["CorsConfiguration"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(SynthesizedStack.FindCycle(defaults));
    }

    [Fact]
    public void Every_function_sends_its_spans_to_X_Ray_in_its_region_as_a_service_of_its_own_and_renders_nothing_at_start()
    {
        var environments = OurFunctions.Select(name => stack.Function(name).Properties["Environment"]!["Variables"]!).ToList();
        Assert.All(environments, e => Assert.Equal("eu-west-1", e["Telemetry__XRayRegion"]!.GetValue<string>()));
        var services = environments.Select(e => e["OTEL_SERVICE_NAME"]!.GetValue<string>()).ToList();
        Assert.Equal(services.Distinct(), services);
        Assert.Contains("myblog-api", services);
        Assert.Contains("myblog-welcome-mail", services);
        // The deploy renders the site; no cold start pays for a look at the bucket.
        Assert.All(environments.Skip(1), e => Assert.Equal("false", e["Publishing__BuildOnStart"]!.GetValue<string>()));

        // Transaction Search (which X-Ray's OTLP endpoint needs) is one setting per account and region: opt-in.
        Assert.Empty(stack.OfType("AWS::XRay::TransactionSearchConfig"));
        var searching = JsonNode.Parse(stack.Synthesize(new() { ["homeRegion"] = "eu-west-1", ["senderAddress"] = "hello@example.com", ["transactionSearch"] = "true" }))!.AsObject();
        var (_, config) = Assert.Single(SynthesizedStack.OfType(searching, "AWS::XRay::TransactionSearchConfig"));
        Assert.Equal(1, config["IndexingPercentage"]!.GetValue<double>());
        var (_, logs) = Assert.Single(SynthesizedStack.OfType(searching, "AWS::Logs::ResourcePolicy"));
        var document = JsonNode.Parse(logs["PolicyDocument"]!["Fn::Sub"]!.GetValue<string>())!;
        Assert.Equal("xray.amazonaws.com", document["Statement"]![0]!["Principal"]!["Service"]!.GetValue<string>());
        Assert.Contains(":log-group:aws/spans:*", document["Statement"]![0]!["Resource"]!.ToJsonString());
    }

    [Fact]
    public void No_policy_in_the_template_allows_every_action_or_every_resource_but_X_Ray_s_writes_which_have_no_other()
    {
        var statements = stack.OfType("AWS::IAM::Policy").SelectMany(p => Statements(p.Properties))
            .Concat(stack.OfType("AWS::S3::BucketPolicy").SelectMany(p => Statements(p.Properties)))
            .Concat(stack.OfType("AWS::SQS::QueuePolicy").SelectMany(p => Statements(p.Properties)))
            .Where(s => s["Effect"]!.GetValue<string>() == "Allow")
            .ToList();
        Assert.NotEmpty(statements);
        Assert.All(statements, s =>
        {
            Assert.DoesNotContain("*", Strings(s["Action"]));
            if (Strings(s["Resource"]).Contains("*"))
            {
                Assert.All(Strings(s["Action"]), action => Assert.StartsWith("xray:Put", action));
            }
        });
    }

    [Fact]
    public void Each_deploy_of_a_new_workers_package_has_a_function_of_its_own_rebuild_the_site()
    {
        var (_, site) = stack.Single("Custom::MyBlogSite");
        var publish = stack.Function("SiteDeployment");
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{publish.Id}\",\"Arn\"]}}", site["ServiceToken"]!.ToJsonString());
        // The package's asset key (its hash) is a property: a new package is an update, and an update is a rebuild.
        Assert.Equal(publish.Properties["Code"]!["S3Key"]!.GetValue<string>(), site["Package"]!.GetValue<string>());
        Assert.Equal(300, site["ServiceTimeout"]!.GetValue<double>());

        // Sized for a large rebuild, and the publisher's hold on the site outlasts the function's timeout.
        Assert.Equal(1024, publish.Properties["MemorySize"]!.GetValue<double>());
        var timeout = publish.Properties["Timeout"]!.GetValue<double>();
        Assert.True(timeout <= 300, "the deploy waits at most its ServiceTimeout for the rebuild");
        var lease = TimeSpan.Parse(publish.Properties["Environment"]!["Variables"]!["Publishing__LockLease"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(lease.TotalSeconds > timeout);
        var dependsOn = Strings(stack.Resources.Single(r => r.Value!["Type"]!.GetValue<string>() == "Custom::MyBlogSite").Value!["DependsOn"]).ToList();
        Assert.Contains(dependsOn, d => d.StartsWith("FunctionsSiteDeploymentRoleDefaultPolicy", StringComparison.Ordinal));

        // The editor is written by the publisher with the site: no CDK bucket deployment (a Python function with the
        // AWS CLI layer), no other custom resource.
        Assert.Empty(stack.OfType("Custom::CDKBucketDeployment"));
        Assert.Equal(OurFunctions.Length, stack.OfType("AWS::Lambda::Function").Count());
    }

    [Fact]
    public void Outputs_give_the_AppHost_everything_it_needs()
    {
        var outputs = stack.Template["Outputs"]!.AsObject().Select(o => o.Key).ToHashSet();
        Assert.Superset(new HashSet<string>(MyBlog.AppHost.Aws.StackOutputs.Required), outputs);
    }

    [Fact]
    public void The_site_s_bucket_falls_back_to_the_API_which_alone_answers_site_paths_the_bucket_cannot()
    {
        var config = stack.Single("AWS::CloudFront::Distribution").Properties["DistributionConfig"]!;
        var group = config["OriginGroups"]!["Items"]!.AsArray()
            .Single(g => g!["Id"]!.GetValue<string>() == config["DefaultCacheBehavior"]!["TargetOriginId"]!.GetValue<string>())!;
        Assert.Equal([403, 404, 500, 502, 503, 504], group["FailoverCriteria"]!["StatusCodes"]!["Items"]!.AsArray().Select(c => (int)c!.GetValue<double>()).Order());
        var members = group["Members"]!["Items"]!.AsArray().Select(m => m!["OriginId"]!.GetValue<string>()).ToList();
        var origins = config["Origins"]!.AsArray().ToDictionary(o => o!["Id"]!.GetValue<string>(), o => o!);
        Assert.Equal(BucketId("Site"), SynthesizedStack.Ref(origins[members[0]]["DomainName"]));
        // The API: with more than one region, the name Route 53 answers with the nearest healthy region's API.
        Assert.Equal("api." + SynthesizedStack.Domain, origins[members[1]]["DomainName"]!.GetValue<string>());
        Assert.Equal(group["Id"]!.GetValue<string>(), config["DefaultCacheBehavior"]!["TargetOriginId"]!.GetValue<string>());
        var admin = config["CacheBehaviors"]!.AsArray().Single(b => b!["PathPattern"]!.GetValue<string>() == "/admin/*")!;
        Assert.Equal(group["Id"]!.GetValue<string>(), admin["TargetOriginId"]!.GetValue<string>());
        // The API reads the site's pages for it, from this stack's site bucket.
        Assert.Equal(BucketId("Site"), SynthesizedStack.Ref(stack.Function("Api").Properties["Environment"]!["Variables"]!["Buckets__Site"]));
        Assert.Contains(RoleStatements("Api"), st => Strings(st["Action"]).SequenceEqual(["s3:GetObject"]) && st["Resource"]!.ToJsonString().Contains(BucketId("Site")));
    }

    [Fact]
    public void A_rotated_origin_secret_reaches_CloudFront_and_the_API_accepts_it_and_the_one_before()
    {
        var rotated = JsonNode.Parse(stack.Synthesize(new Dictionary<string, object>
        {
            ["senderAddress"] = "hello@example.com",
            ["originSecretVersion"] = "3",
        }))!.AsObject();

        var origin = rotated["Resources"]!.AsObject().Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::CloudFront::Distribution")
            .Value!["Properties"]!["DistributionConfig"]!["Origins"]!.AsArray().Single(o => o!["OriginCustomHeaders"] is not null)!;
        Assert.Equal("{{resolve:ssm:/myblog/origin-secret:3}}", origin["OriginCustomHeaders"]![0]!["HeaderValue"]!.GetValue<string>());
        var api = SynthesizedStack.OfType(rotated, "AWS::Lambda::Function")
            .Single(f => f.Properties["Description"]!.GetValue<string>().StartsWith($"MyBlog {AwsFunctions.Api.Name} ", StringComparison.Ordinal)).Properties;
        var variables = api["Environment"]!["Variables"]!;
        Assert.Equal("/myblog/origin-secret:3", variables["Secrets__Edge__OriginSecret"]!.GetValue<string>());
        Assert.Equal("/myblog/origin-secret:2", variables["Secrets__Edge__PreviousOriginSecret"]!.GetValue<string>());
    }

    [Fact]
    public void In_us_east_1_CloudFront_s_access_logs_are_delivered_field_by_field_without_the_query_string()
    {
        var template = JsonNode.Parse(stack.Synthesize(new Dictionary<string, object>
        {
            ["homeRegion"] = "us-east-1",
            ["senderAddress"] = "hello@example.com",
        }))!.AsObject();

        var (_, delivery) = Assert.Single(SynthesizedStack.OfType(template, "AWS::Logs::Delivery"));
        var fields = Strings(delivery["RecordFields"]);
        Assert.Contains("cs-uri-stem", fields);
        Assert.DoesNotContain("cs-uri-query", fields);
        Assert.DoesNotContain("cs(Cookie)", fields);
        Assert.Equal("ACCESS_LOGS", Assert.Single(SynthesizedStack.OfType(template, "AWS::Logs::DeliverySource")).Properties["LogType"]!.GetValue<string>());
    }

    [Fact]
    public void No_function_may_write_items_outside_the_key_prefixes_it_owns()
    {
        var table = stack.Single("AWS::DynamoDB::GlobalTable").Id;
        string[] writes = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"];
        var owned = new Dictionary<string, HashSet<string>>();
        foreach (var name in OurFunctions)
        {
            foreach (var statement in RoleStatements(name).Where(st => Strings(st["Action"]).Any(writes.Contains) && st["Resource"]!.ToJsonString().Contains(table)))
            {
                var leadingKeys = statement["Condition"]?["ForAllValues:StringLike"]?["dynamodb:LeadingKeys"]
                    ?? statement["Condition"]?["ForAllValues:StringEquals"]?["dynamodb:LeadingKeys"];
                Assert.True(leadingKeys is not null, $"{name} may write any item of the table: {statement.ToJsonString()}");
                owned.TryAdd(name, []);
                owned[name].UnionWith(Strings(leadingKeys));
            }
        }
        Assert.Equal(["SUBSCRIBER#*"], owned["WelcomeMail"]);
        Assert.Equal(["PHOTO#*"], owned["Thumbnails"]);
        Assert.Equal(["IMPORT#*", "PHOTO#*", "POST#*", "SUBSCRIBER#*", "SUBSCRIBER-ALIAS#*"], owned["Imports"].Order());
        Assert.Equal(["NEWSLETTER#*"], owned["NewsletterPlan"]);
        Assert.DoesNotContain("SITE#PUBLISHER", owned["Api"]);
        Assert.Equal(["PHOTO#*", "SITE#PUBLISHER"], owned["Publish"].Order());
    }

    [Fact]
    public void Only_the_API_and_the_sweep_that_counts_may_read_the_subscriber_directory_index()
    {
        var readers = OurFunctions
            .Where(name => RoleStatements(name).Any(st => st["Resource"]!.ToJsonString().Contains($"/index/{MyBlogTable.DirectoryIndex}", StringComparison.Ordinal)))
            .ToList();
        Assert.Equal(["Api", "WelcomeSweep"], readers.Order());
    }
}
