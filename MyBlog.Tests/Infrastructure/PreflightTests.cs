using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using MyBlog.Infrastructure;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Infrastructure;

/// <summary>
/// The preflight against a stand-in of the AWS APIs it reads (STS, Parameter Store, Lambda, SES v2, CloudFormation),
/// one failing state at a time: each says what it found and the fix, in one line.
/// </summary>
public sealed class PreflightTests : IDisposable
{
    private const string Account = "123456789012";

    private readonly LocalHttpServer _server;
    private readonly HttpClient _http = new();
    private readonly List<(string Path, string? Authorization, string? Target)> _requests = [];

    // The account's state: a ready one unless a test says otherwise.
    private ImmutableCredentials? _credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private readonly Dictionary<string, string> _bootstrap = new() { ["eu-west-1"] = "21", ["us-east-1"] = "21" };
    private readonly HashSet<string> _parameters = ["/myblog/setup-code", "/myblog/origin-secret", "/myblog/link-key", "/myblog/subscriber-id-key"];
    private (int Limit, int Unreserved) _concurrency = (1000, 1000);
    private bool _production = true;
    private bool _sendingEnabled = true;
    private readonly List<(string Name, string Status)> _identities = [];
    private string? _stackStatus;
    private readonly HashSet<string> _buckets = [];
    private readonly HashSet<string> _layers = ["arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerX86:30", "arn:aws:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerX86:30"];
    private readonly HashSet<string> _parameterRegions = ["eu-west-1", "us-east-1"];

    public PreflightTests()
    {
        _server = new LocalHttpServer(AnswerAsync);
    }

    private static StackSettings Settings(bool reserve = false, bool existingIdentity = false, string[]? replicas = null) => new(
        HomeRegion: "eu-west-1", ReplicaRegions: replicas ?? [], DomainName: null, CertificateArn: null, HostedZoneId: null, HostedZoneName: null,
        SenderAddress: "hello@example.com", AlarmEmail: "hello@example.com", ExistingSenderIdentity: existingIdentity, SetupCodeParameterName: "/myblog/setup-code",
        OriginSecretParameterName: "/myblog/origin-secret", OriginSecretVersion: 1, LinkKeyParameterName: "/myblog/link-key", IdKeyParameterName: "/myblog/subscriber-id-key",
        LambdaAdapterVersion: 30, Architecture: "x86_64", ExtraUploadOrigins: [], SesSendRate: 14, ReserveMailConcurrency: reserve, WebAcl: false,
        TransactionSearch: false, PackagesDirectory: "/tmp/packages", RepositoryRoot: "/tmp");

    private Task<IReadOnlyList<PreflightLine>> RunAsync(bool reserve = false, bool existingIdentity = false, string[]? replicas = null) =>
        new Preflight(Settings(reserve, existingIdentity, replicas), new PreflightAws(_http, () => _credentials, (service, region) => new Uri($"{_server.Url}{service}/{region}/")))
            .RunAsync(CancellationToken.None);

    private static PreflightLine Line(IReadOnlyList<PreflightLine> lines, string check) => Assert.Single(lines, l => l.Check == check);

    [Fact]
    public async Task A_ready_account_passes_every_check_and_each_call_is_signed_for_its_service_and_region()
    {
        var lines = await RunAsync();

        Assert.All(lines, l => Assert.Equal(PreflightStatus.Ok, l.Status));
        Assert.Equal(["credentials", "CDK bootstrap in eu-west-1", "parameters", "Lambda Web Adapter", "Lambda concurrency", "SES sending", "sender identity", "earlier attempt"],
            lines.Select(l => l.Check));
        Assert.Contains($"account {Account}", Line(lines, "credentials").Found, StringComparison.Ordinal);
        Assert.Contains("-c reserveMailConcurrency=true would fit", Line(lines, "Lambda concurrency").Found, StringComparison.Ordinal);
        Assert.StartsWith("ok   credentials: account", Line(lines, "credentials").ToString(), StringComparison.Ordinal);

        lock (_requests)
        {
            Assert.Contains(_requests, r => r.Path.StartsWith("/email/eu-west-1/v2/email/account", StringComparison.Ordinal) && r.Authorization!.Contains("/eu-west-1/ses/aws4_request", StringComparison.Ordinal));
            Assert.Contains(_requests, r => r.Path.StartsWith("/ssm/eu-west-1/", StringComparison.Ordinal) && r.Target == "AmazonSSM.GetParameters" && r.Authorization!.Contains("/eu-west-1/ssm/aws4_request", StringComparison.Ordinal));
            Assert.Contains(_requests, r => r.Path.StartsWith("/lambda/eu-west-1/2016-08-19/account-settings", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Every_region_is_read_on_its_own_and_a_replica_region_missing_the_parameters_is_named_with_its_commands()
    {
        _parameterRegions.Remove("us-east-1");
        var lines = await RunAsync(replicas: ["us-east-1"]);

        Assert.Equal(["credentials", "CDK bootstrap in eu-west-1", "CDK bootstrap in us-east-1",
            "parameters in eu-west-1", "Lambda Web Adapter in eu-west-1", "Lambda concurrency in eu-west-1", "SES sending in eu-west-1", "sender identity in eu-west-1",
            "parameters in us-east-1", "Lambda Web Adapter in us-east-1", "Lambda concurrency in us-east-1", "SES sending in us-east-1", "sender identity in us-east-1",
            "earlier attempt"], lines.Select(l => l.Check));
        Assert.Equal(PreflightStatus.Ok, Line(lines, "parameters in eu-west-1").Status);
        var replica = Line(lines, "parameters in us-east-1");
        Assert.Equal(PreflightStatus.Failed, replica.Status);
        Assert.Contains("aws ssm put-parameter --region us-east-1", replica.Fix, StringComparison.Ordinal);
        lock (_requests)
        {
            Assert.Contains(_requests, r => r.Path.StartsWith("/email/us-east-1/v2/email/account", StringComparison.Ordinal));
            Assert.Contains(_requests, r => r.Path.StartsWith("/lambda/us-east-1/2016-08-19/account-settings", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Without_credentials_it_stops_at_once_and_says_how_to_sign_in()
    {
        _credentials = null;
        var line = Assert.Single(await RunAsync());
        Assert.Equal(PreflightStatus.Failed, line.Status);
        Assert.Contains("aws sso login", line.Fix, StringComparison.Ordinal);
        Assert.Contains("--Aws:Profile", line.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_region_without_the_CDK_bootstrap_or_with_an_old_one_is_named_with_the_command_that_bootstraps_it()
    {
        _bootstrap.Remove("us-east-1");
        _bootstrap["eu-west-1"] = "4";
        var lines = await RunAsync(replicas: ["us-east-1"]);

        var replica = Line(lines, "CDK bootstrap in us-east-1");
        Assert.Equal(PreflightStatus.Failed, replica.Status);
        Assert.Equal($"npx aws-cdk@2.160.0 bootstrap aws://{Account}/us-east-1", replica.Fix);
        var home = Line(lines, "CDK bootstrap in eu-west-1");
        Assert.Equal(PreflightStatus.Failed, home.Status);
        Assert.Contains("version 4, older than the 6", home.Found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_parameters_are_listed_with_the_commands_that_create_them()
    {
        _parameters.Remove("/myblog/subscriber-id-key");
        _parameters.Remove("/myblog/origin-secret");
        var line = Line(await RunAsync(), "parameters");

        Assert.Equal(PreflightStatus.Failed, line.Status);
        Assert.Contains("/myblog/origin-secret, /myblog/subscriber-id-key", line.Found, StringComparison.Ordinal);
        Assert.Contains("aws ssm put-parameter --region eu-west-1 --type String --name /myblog/origin-secret", line.Fix, StringComparison.Ordinal);
        Assert.Contains("--type SecureString --name /myblog/subscriber-id-key", line.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Lambda_Web_Adapter_version_not_published_in_the_home_region_is_named_with_how_to_pick_another()
    {
        _layers.Clear();
        var line = Line(await RunAsync(), "Lambda Web Adapter");
        Assert.Equal(PreflightStatus.Failed, line.Status);
        Assert.Contains("LambdaAdapterLayerX86:30 is not published", line.Found, StringComparison.Ordinal);
        Assert.Contains("-c lambdaAdapterVersion=", line.Fix, StringComparison.Ordinal);
        lock (_requests)
        {
            // The query is part of what was signed.
            Assert.Contains(_requests, r => r.Path.EndsWith("/2018-10-31/layers", StringComparison.Ordinal) && r.Authorization!.Contains("/eu-west-1/lambda/aws4_request", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void SigV4_signs_a_query_sorted_and_encoded_as_AWS_canonicalizes_it()
    {
        Assert.Equal("Arn=arn%3Aaws%3Alambda%3Aus-east-1%3A753240598075%3Alayer%3ALambdaAdapterLayerX86%3A30&find=LayerVersion",
            MyBlog.ServiceDefaults.SigV4.CanonicalQuery("?find=LayerVersion&Arn=arn%3Aaws%3Alambda%3Aus-east-1%3A753240598075%3Alayer%3ALambdaAdapterLayerX86%3A30"));
        Assert.Equal("a=1&a=2&b=x%20y%2Fz", MyBlog.ServiceDefaults.SigV4.CanonicalQuery("?b=x%20y/z&a=2&a=1"));
        Assert.Equal("", MyBlog.ServiceDefaults.SigV4.CanonicalQuery(""));
    }

    [Fact]
    public async Task A_new_account_s_concurrency_quota_refuses_the_reservation_and_warns_without_it()
    {
        _concurrency = (10, 10);
        var reserved = Line(await RunAsync(reserve: true), "Lambda concurrency");
        Assert.Equal(PreflightStatus.Failed, reserved.Status);
        Assert.Contains("fewer than 10", reserved.Found, StringComparison.Ordinal);
        Assert.Contains("Service Quotas", reserved.Fix, StringComparison.Ordinal);

        var shared = Line(await RunAsync(), "Lambda concurrency");
        Assert.Equal(PreflightStatus.Warning, shared.Status);
        Assert.Contains("quota 10", shared.Found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_SES_sandbox_is_said_with_its_limits_and_paused_sending_fails()
    {
        _production = false;
        var sandbox = Line(await RunAsync(), "SES sandbox");
        Assert.Equal(PreflightStatus.Warning, sandbox.Status);
        Assert.Contains("200 a day, 1 a second", sandbox.Found, StringComparison.Ordinal);
        Assert.Contains("Request production access", sandbox.Fix, StringComparison.Ordinal);

        _sendingEnabled = false;
        Assert.Equal(PreflightStatus.Failed, Line(await RunAsync(), "SES sending").Status);
    }

    [Fact]
    public async Task A_sender_identity_that_exists_already_would_stop_the_deploy_unless_the_stack_is_told_to_use_it()
    {
        _identities.Add(("example.com", "SUCCESS"));
        Assert.Equal(PreflightStatus.Ok, Line(await RunAsync(), "sender identity").Status);

        _identities.Add(("hello@example.com", "PENDING"));
        var line = Line(await RunAsync(), "sender identity");
        Assert.Equal(PreflightStatus.Failed, line.Status);
        Assert.Contains("AlreadyExists", line.Found, StringComparison.Ordinal);
        Assert.Contains("-c existingSenderIdentity=true", line.Fix, StringComparison.Ordinal);

        line = Line(await RunAsync(existingIdentity: true), "sender identity");
        Assert.Equal(PreflightStatus.Warning, line.Status);
        Assert.Contains("PENDING", line.Found, StringComparison.Ordinal);
        Assert.Contains("verification link", line.Fix, StringComparison.Ordinal);

        _identities.Clear();
        line = Line(await RunAsync(existingIdentity: true), "sender identity");
        Assert.Equal(PreflightStatus.Failed, line.Status);
        Assert.Contains("neither hello@example.com nor example.com", line.Found, StringComparison.Ordinal);

        _identities.Add(("example.com", "SUCCESS"));
        Assert.Equal(PreflightStatus.Ok, Line(await RunAsync(existingIdentity: true), "sender identity").Status);
    }

    [Fact]
    public async Task A_first_deploy_that_rolled_back_is_named_with_exactly_what_to_delete()
    {
        _stackStatus = "ROLLBACK_COMPLETE";
        var line = Line(await RunAsync(), "earlier attempt");
        Assert.Equal(PreflightStatus.Failed, line.Status);
        Assert.Contains("aws cloudformation delete-stack --region eu-west-1 --stack-name MyBlog", line.Fix, StringComparison.Ordinal);
        Assert.DoesNotContain("aws s3 rb", line.Fix, StringComparison.Ordinal);

        // The retained uploads bucket has a fixed name: the next attempt would collide with it.
        _buckets.Add($"myblog-uploads-{Account}-eu-west-1");
        line = Line(await RunAsync(), "earlier attempt");
        Assert.Contains($"aws s3 rb s3://myblog-uploads-{Account}-eu-west-1 --force", line.Fix, StringComparison.Ordinal);

        // Deleted stack, bucket still there.
        _stackStatus = null;
        line = Line(await RunAsync(), "earlier attempt");
        Assert.Equal(PreflightStatus.Failed, line.Status);
        Assert.Contains("left from an earlier attempt", line.Found, StringComparison.Ordinal);
        Assert.Contains($"aws s3 rb s3://myblog-uploads-{Account}-eu-west-1 --force", line.Fix, StringComparison.Ordinal);

        // A stack that exists owns its bucket.
        _stackStatus = "UPDATE_COMPLETE";
        Assert.Equal(PreflightStatus.Ok, Line(await RunAsync(), "earlier attempt").Status);
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream);
        var body = await reader.ReadToEndAsync();
        var path = context.Request.Url!.AbsolutePath;
        lock (_requests)
        {
            _requests.Add((path, context.Request.Headers["Authorization"], context.Request.Headers["X-Amz-Target"]));
        }
        var segments = path.Trim('/').Split('/');
        var (service, region) = (segments[0], segments[1]);
        var (status, contentType, answer) = (service, path) switch
        {
            ("sts", _) => (200, "text/xml", $"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::{Account}:user/author</Arn><UserId>AIDA</UserId><Account>{Account}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"""),
            ("ssm", _) => (200, "application/x-amz-json-1.1", Parameters(region, body)),
            ("lambda", var p) when p.EndsWith("/layers", StringComparison.Ordinal) => Layer(context.Request.QueryString["Arn"]),
            ("lambda", _) => (200, "application/json", new JsonObject
            {
                ["AccountLimit"] = new JsonObject { ["ConcurrentExecutions"] = _concurrency.Limit, ["UnreservedConcurrentExecutions"] = _concurrency.Unreserved },
                ["AccountUsage"] = new JsonObject(),
            }.ToJsonString()),
            ("email", var p) when p.EndsWith("/v2/email/account", StringComparison.Ordinal) => (200, "application/json", new JsonObject
            {
                ["ProductionAccessEnabled"] = _production,
                ["SendingEnabled"] = _sendingEnabled,
                ["SendQuota"] = new JsonObject { ["Max24HourSend"] = _production ? 50000 : 200, ["MaxSendRate"] = _production ? 14 : 1, ["SentLast24Hours"] = 0 },
            }.ToJsonString()),
            ("email", _) => (200, "application/json", new JsonObject
            {
                ["EmailIdentities"] = new JsonArray([.. _identities.Select(i => (JsonNode)new JsonObject
                {
                    ["IdentityType"] = i.Name.Contains('@') ? "EMAIL_ADDRESS" : "DOMAIN",
                    ["IdentityName"] = i.Name,
                    ["SendingEnabled"] = true,
                    ["VerificationStatus"] = i.Status,
                })]),
            }.ToJsonString()),
            ("s3", var p) => _buckets.Contains(p.Split('/')[^1]) ? (200, "application/xml", "") : (404, "application/xml", ""),
            ("cloudformation", _) when _stackStatus is null => (400, "text/xml",
                "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id MyBlog does not exist</Message></Error></ErrorResponse>"),
            ("cloudformation", _) => (200, "text/xml",
                $"<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>MyBlog</StackName><StackStatus>{_stackStatus}</StackStatus></member></Stacks></DescribeStacksResult></DescribeStacksResponse>"),
            _ => (404, "text/plain", "no such service here"),
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(answer);
        await context.Response.OutputStream.WriteAsync(bytes);
    }

    private (int, string, string) Layer(string? arn) => arn is not null && _layers.Contains(arn)
        ? (200, "application/json", new JsonObject { ["LayerVersionArn"] = arn, ["Version"] = 30 }.ToJsonString())
        : (404, "application/json", new JsonObject { ["Type"] = "User", ["Message"] = "The resource you requested does not exist." }.ToJsonString());

    private string Parameters(string region, string body)
    {
        var names = JsonNode.Parse(body)!["Names"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var found = new JsonArray();
        var invalid = new JsonArray();
        foreach (var name in names)
        {
            string? value = name == "/cdk-bootstrap/hnb659fds/version" ? _bootstrap.GetValueOrDefault(region)
                : _parameterRegions.Contains(region) && _parameters.Contains(name) ? "a value" : null;
            if (value is null)
            {
                invalid.Add(name);
            }
            else
            {
                found.Add(new JsonObject { ["Name"] = name, ["Type"] = "String", ["Value"] = value, ["Version"] = 1 });
            }
        }
        return new JsonObject { ["Parameters"] = found, ["InvalidParameters"] = invalid }.ToJsonString();
    }

    public void Dispose()
    {
        _server.Dispose();
        _http.Dispose();
    }
}
