using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.CDK;
using MyBlog.Aws.Functions;
using MyBlog.Infrastructure;

namespace MyBlog.Tests.Infrastructure;

/// <summary>
/// Three regions (eu-west-1 home, us-east-1 and ap-southeast-2): every region's stack serves the API and runs every
/// function on its own replica, Route 53 sends api.domain to the nearest region whose health check passes (CloudFront's
/// origin for every /api/* request, writes included), the media buckets replicate to each other and CloudFront falls
/// back between them, and uploads go to the region that signed them.
/// </summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class RegionStacksTests(SynthesizedStack stack)
{
    private static readonly string[] Regions = ["eu-west-1", "us-east-1", "ap-southeast-2"];

    private JsonObject StackIn(string region) => region == "eu-west-1" ? stack.Template : stack.Stacks[MyBlogApp.ReplicaStackName(region)];

    private static IEnumerable<(string Id, JsonObject Properties)> OfType(JsonObject template, string type) => SynthesizedStack.OfType(template, type);

    private static JsonObject Variables(JsonObject template, FunctionDeclaration function) =>
        OfType(template, "AWS::Lambda::Function").Single(f => Regex.IsMatch(f.Id, $"^Functions{function.ConstructId}[0-9A-F]{{8}}$"))
            .Properties["Environment"]!["Variables"]!.AsObject();

    [Fact]
    public void The_app_is_a_stack_per_region_and_the_media_replication_deployed_after_them_all()
    {
        Assert.Equal(["MyBlog", "MyBlog-ap-southeast-2", "MyBlog-media-replication", "MyBlog-us-east-1"], stack.Stacks.Keys.Order());
        var app = new App(new AppProps
        {
            Outdir = Directory.CreateTempSubdirectory("myblog-regions-").FullName,
            Context = new Dictionary<string, object>
            {
                ["homeRegion"] = "eu-west-1", ["replicaRegions"] = "us-east-1", ["domainName"] = SynthesizedStack.Domain,
                ["certificateArn"] = SynthesizedStack.CertificateArn, ["hostedZoneId"] = SynthesizedStack.HostedZoneId, ["senderAddress"] = "hello@example.com",
                ["packagesDirectory"] = stack.PackagesDirectory,
            },
        });
        var stacks = MyBlogApp.Build(app, RepositoryRoot.Find());
        var replica = Assert.Single(stacks.Replicas);
        Assert.Equal("us-east-1", replica.Region);
        Assert.Contains(stacks.Home, replica.Dependencies);
        Assert.Contains(replica, stacks.MediaReplication!.Dependencies);
        Assert.Equal("eu-west-1", stacks.MediaReplication.Region);
    }

    [Theory]
    [InlineData("eu-west-1")]
    [InlineData("us-east-1")]
    [InlineData("ap-southeast-2")]
    public void Every_region_runs_the_API_and_every_function_on_its_own_replica_knowing_its_region(string region)
    {
        var template = StackIn(region);
        Assert.Single(OfType(template, "AWS::ApiGatewayV2::Api"));
        Assert.Equal(AwsFunctions.All.Count, OfType(template, "AWS::Lambda::Function").Count(f => f.Properties["Description"]?.ToJsonString().Contains("Lambda Web Adapter") == true));
        foreach (var function in AwsFunctions.All)
        {
            var variables = Variables(template, function);
            Assert.Equal(region, variables["MyBlog__Region"]!.GetValue<string>());
            // New owed work waits for the table to settle, so two regions that made it at once agree on its owner.
            Assert.Equal(Functions.RegionSettle, variables["Welcome__Settle"]!.GetValue<string>());
            Assert.Equal(Functions.RegionSettle, variables["Newsletter__Settle"]!.GetValue<string>());
            // A region silent for ten of its sweeps is lost; one back from an absence waits for the others' writes.
            Assert.Equal(Functions.RegionHandoverAfter, variables["Welcome__HandoverAfter"]!.GetValue<string>());
            Assert.Equal($"https://{SynthesizedStack.Domain}", variables["MyBlog__SiteUrl"]!.GetValue<string>());
        }
        // The stream mappings read this region's replica's stream: the global table's own (home) or the one the stack read.
        var mappings = OfType(template, "AWS::Lambda::EventSourceMapping").Where(m => m.Properties["StartingPosition"] is not null).ToList();
        Assert.Equal(AwsFunctions.Triggered<StreamTrigger>().Count(), mappings.Count);
        var expected = region == "eu-west-1"
            ? OfType(template, "AWS::DynamoDB::GlobalTable").Single().Id
            : OfType(template, "Custom::AWS").Single(r => r.Properties["Create"]!.ToJsonString().Contains("describeTable")).Id;
        Assert.All(mappings, m => Assert.Equal(expected, SynthesizedStack.Ref(m.Properties["EventSourceArn"])));
        // Each region sends mail from its own SES (identities and sandboxes are per region).
        Assert.Single(OfType(template, "AWS::SES::ConfigurationSet"));
        Assert.Single(OfType(template, "AWS::SES::EmailIdentity"));
        // The site is rendered in every region into the region's own bucket, from the region's own stream.
        Assert.Contains(OfType(template, "Custom::MyBlogSite"), _ => true);
    }

    [Fact]
    public void A_replica_region_reads_the_table_and_distribution_from_the_home_region_once_at_deploy()
    {
        var home = stack.Template;
        var parameters = OfType(home, "AWS::SSM::Parameter").ToDictionary(p => p.Properties["Name"]!.GetValue<string>(), p => p.Properties["Value"]!);
        Assert.Equal(OfType(home, "AWS::DynamoDB::GlobalTable").Single().Id, SynthesizedStack.Ref(parameters["/MyBlog/table-name"]));
        Assert.Equal(OfType(home, "AWS::CloudFront::Distribution").Single().Id, SynthesizedStack.Ref(parameters["/MyBlog/distribution-id"]));

        var replica = StackIn("ap-southeast-2");
        var reads = OfType(replica, "Custom::AWS").ToList();
        var getParameters = reads.Select(r => JsonNode.Parse(JoinedText(r.Properties["Create"]!))!).Where(c => c["action"]!.GetValue<string>() == "getParameter").ToList();
        Assert.Equal(["/MyBlog/distribution-id", "/MyBlog/table-name"], getParameters.Select(c => c["parameters"]!["Name"]!.GetValue<string>()).Order());
        Assert.All(getParameters, call => Assert.Equal("eu-west-1", call["region"]!.GetValue<string>()));
        var distributionRead = reads.Single(r => r.Properties["Create"]!.ToJsonString().Contains("distribution-id")).Id;
        Assert.Contains(distributionRead, Variables(replica, AwsFunctions.Publish)["Publishing__DistributionId"]!.ToJsonString());
        Assert.Empty(OfType(replica, "AWS::DynamoDB::GlobalTable"));
        Assert.Empty(OfType(replica, "AWS::CloudFront::Distribution"));
    }

    [Theory]
    [InlineData("eu-west-1")]
    [InlineData("us-east-1")]
    [InlineData("ap-southeast-2")]
    public void Route_53_sends_api_requests_to_the_nearest_region_whose_health_check_passes(string region)
    {
        var template = StackIn(region);
        var api = OfType(template, "AWS::ApiGatewayV2::Api").Single().Id;
        var (healthId, health) = OfType(template, "AWS::Route53::HealthCheck").Single();
        var config = health["HealthCheckConfig"]!;
        Assert.Equal("HTTPS", config["Type"]!.GetValue<string>());
        Assert.Equal(ApiFailover.HealthPath, config["ResourcePath"]!.GetValue<string>());
        Assert.Equal(ApiFailover.HealthInterval, config["RequestInterval"]!.GetValue<double>());
        Assert.Equal(ApiFailover.HealthFailures, config["FailureThreshold"]!.GetValue<double>());
        Assert.Contains(api, config["FullyQualifiedDomainName"]!.ToJsonString()); // the region's own API, not the shared name

        var (domainId, domain) = OfType(template, "AWS::ApiGatewayV2::DomainName").Single();
        Assert.Equal("api." + SynthesizedStack.Domain, domain["DomainName"]!.GetValue<string>());
        var (certificateId, certificate) = OfType(template, "AWS::CertificateManager::Certificate").Single();
        Assert.Equal("DNS", certificate["ValidationMethod"]!.GetValue<string>());
        Assert.Contains(certificateId, domain["DomainNameConfigurations"]!.ToJsonString());
        var mapping = OfType(template, "AWS::ApiGatewayV2::ApiMapping").Single().Properties;
        Assert.Equal(api, SynthesizedStack.Ref(mapping["ApiId"]));

        var record = OfType(template, "AWS::Route53::RecordSet").Single().Properties;
        Assert.Equal(SynthesizedStack.HostedZoneId, record["HostedZoneId"]!.GetValue<string>());
        Assert.Equal("api." + SynthesizedStack.Domain, record["Name"]!.GetValue<string>());
        Assert.Equal(region, record["Region"]!.GetValue<string>());
        Assert.Equal(region, record["SetIdentifier"]!.GetValue<string>());
        Assert.Equal(healthId, SynthesizedStack.Ref(record["HealthCheckId"]));
        Assert.True(record["AliasTarget"]!["EvaluateTargetHealth"]!.GetValue<bool>());
        Assert.Equal(domainId, SynthesizedStack.Ref(record["AliasTarget"]!["DNSName"]));
    }

    [Fact]
    public void CloudFront_sends_every_api_request_writes_included_to_the_name_Route_53_answers()
    {
        var config = OfType(stack.Template, "AWS::CloudFront::Distribution").Single().Properties["DistributionConfig"]!;
        var api = config["CacheBehaviors"]!.AsArray().Single(b => b!["PathPattern"]!.GetValue<string>() == "/api/*")!;
        Assert.Contains("POST", api["AllowedMethods"]!.AsArray().Select(m => m!.GetValue<string>()));
        var origin = config["Origins"]!.AsArray().Single(o => o!["Id"]!.GetValue<string>() == api["TargetOriginId"]!.GetValue<string>())!;
        Assert.Equal("api." + SynthesizedStack.Domain, origin["DomainName"]!.GetValue<string>());
    }

    [Fact]
    public void Media_falls_back_to_the_next_region_s_copy_which_admits_this_distribution_only()
    {
        var config = OfType(stack.Template, "AWS::CloudFront::Distribution").Single().Properties["DistributionConfig"]!;
        var media = config["CacheBehaviors"]!.AsArray().Single(b => b!["PathPattern"]!.GetValue<string>() == "/media/*")!;
        var group = config["OriginGroups"]!["Items"]!.AsArray().Single(g => g!["Id"]!.GetValue<string>() == media["TargetOriginId"]!.GetValue<string>())!;
        Assert.Equal([403, 404, 500, 502, 503, 504], group["FailoverCriteria"]!["StatusCodes"]!["Items"]!.AsArray().Select(c => (int)c!.GetValue<double>()).Order());
        var members = group["Members"]!["Items"]!.AsArray().Select(m => m!["OriginId"]!.GetValue<string>()).ToList();
        var origins = config["Origins"]!.AsArray().ToDictionary(o => o!["Id"]!.GetValue<string>(), o => o!);
        Assert.StartsWith("BucketsMedia", SynthesizedStack.Ref(origins[members[0]]["DomainName"]));
        Assert.Contains("myblog-media-", origins[members[1]]["DomainName"]!.ToJsonString());
        Assert.Contains("-us-east-1.s3.us-east-1.", origins[members[1]]["DomainName"]!.ToJsonString());
        Assert.NotNull(origins[members[1]]["OriginAccessControlId"]);

        var replica = StackIn("us-east-1");
        var (bucketId, bucket) = OfType(replica, "AWS::S3::Bucket").Single(b => b.Id.StartsWith("BucketsMedia", StringComparison.Ordinal));
        Assert.Contains("myblog-media-", bucket["BucketName"]!.ToJsonString());
        Assert.Equal("Enabled", bucket["VersioningConfiguration"]!["Status"]!.GetValue<string>());
        var policy = OfType(replica, "AWS::S3::BucketPolicy").Single(p => SynthesizedStack.Ref(p.Properties["Bucket"]) == bucketId).Properties;
        var allow = policy["PolicyDocument"]!["Statement"]!.AsArray().Single(s => s!["Effect"]!.GetValue<string>() == "Allow")!;
        Assert.Equal("cloudfront.amazonaws.com", allow["Principal"]!["Service"]!.GetValue<string>());
        var distributionRead = OfType(replica, "Custom::AWS").Single(r => r.Properties["Create"]!.ToJsonString().Contains("distribution-id")).Id;
        Assert.Contains(distributionRead, allow["Condition"]!["StringEquals"]!["AWS:SourceArn"]!.ToJsonString());
        // The home region's media bucket is versioned too (replication needs it on both sides).
        Assert.Equal("Enabled", OfType(stack.Template, "AWS::S3::Bucket").Single(b => b.Id.StartsWith("BucketsMedia", StringComparison.Ordinal))
            .Properties["VersioningConfiguration"]!["Status"]!.GetValue<string>());
    }

    [Fact]
    public void Every_region_s_media_bucket_replicates_to_every_other_s_deletions_included()
    {
        var replication = stack.Stacks[MyBlogApp.StackName + MediaReplicationStack.StackNameSuffix];
        var calls = OfType(replication, "Custom::AWS").ToList();
        Assert.Equal(Regions.Length, calls.Count);
        foreach (var (_, call) in calls)
        {
            var create = JsonNode.Parse(JoinedText(call["Create"]!))!;
            Assert.Equal("putBucketReplication", create["action"]!.GetValue<string>());
            var source = create["region"]!.GetValue<string>();
            var rules = create["parameters"]!["ReplicationConfiguration"]!["Rules"]!.AsArray();
            Assert.Equal(Regions.Where(r => r != source).Select(r => $"to-{r}").Order(), rules.Select(r => r!["ID"]!.GetValue<string>()).Order());
            Assert.All(rules, r => Assert.Equal("Enabled", r!["DeleteMarkerReplication"]!["Status"]!.GetValue<string>()));
            Assert.Equal(rules.Count, rules.Select(r => r!["Priority"]!.GetValue<int>()).Distinct().Count());
            var delete = JsonNode.Parse(JoinedText(call["Delete"]!))!;
            Assert.Equal("deleteBucketReplication", delete["action"]!.GetValue<string>());
        }
        var role = OfType(replication, "AWS::IAM::Role").Single(r => r.Id.StartsWith("ReplicationRole", StringComparison.Ordinal)).Properties;
        Assert.Contains("s3.amazonaws.com", role["AssumeRolePolicyDocument"]!.ToJsonString());
    }

    [Fact]
    public void Uploads_go_to_the_region_that_signed_them_which_takes_them_from_the_site_only()
    {
        var editor = OfType(stack.Template, "AWS::CloudFront::ResponseHeadersPolicy")
            .Single(p => p.Properties.ToJsonString().Contains("connect-src")).Properties.ToJsonString();
        foreach (var region in Regions)
        {
            Assert.Contains($"-{region}.s3-accelerate.amazonaws.com", editor);
            var uploads = OfType(StackIn(region), "AWS::S3::Bucket").Single(b => b.Id.StartsWith("BucketsUploads", StringComparison.Ordinal)).Properties;
            Assert.Contains($"-{region}", uploads["BucketName"]!.ToJsonString());
            var cors = uploads["CorsConfiguration"]!["CorsRules"]![0]!;
            Assert.Contains($"https://{SynthesizedStack.Domain}", cors["AllowedOrigins"]!.AsArray().Select(o => o!.GetValue<string>()));
        }
    }

    [Fact]
    public void No_stack_of_the_app_has_a_circle_CloudFormation_would_refuse()
    {
        foreach (var (name, template) in stack.Stacks)
        {
            Assert.True(SynthesizedStack.FindCycle(template) is null, $"{name}: {string.Join(" → ", SynthesizedStack.FindCycle(template) ?? [])}");
        }
    }

    [Fact]
    public void One_region_has_none_of_it()
    {
        var all = stack.SynthesizeAll(new() { ["senderAddress"] = "hello@example.com", ["domainName"] = SynthesizedStack.Domain, ["certificateArn"] = SynthesizedStack.CertificateArn });
        var only = JsonNode.Parse(Assert.Single(all).Value)!.AsObject();
        Assert.Empty(OfType(only, "AWS::Route53::HealthCheck"));
        Assert.Empty(OfType(only, "AWS::SSM::Parameter"));
        Assert.Empty(OfType(only, "Custom::AWS"));
        Assert.DoesNotContain("MyBlog__Region", only.ToJsonString());
        Assert.Null(OfType(only, "AWS::S3::Bucket").Single(b => b.Id.StartsWith("BucketsMedia", StringComparison.Ordinal)).Properties["VersioningConfiguration"]);
    }

    /// <summary>An SDK call's JSON, which CloudFormation assembles from text and references: the text, references as placeholders.</summary>
    private static string JoinedText(JsonNode node) => node switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonObject join when join["Fn::Join"] is JsonArray parts => string.Concat(parts[1]!.AsArray().Select(p => p is JsonValue v ? v.GetValue<string>() : "REF")),
        _ => node.ToJsonString(),
    };
}
