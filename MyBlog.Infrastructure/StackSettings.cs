using System.Text.RegularExpressions;
using Amazon.CDK;
using Constructs;

namespace MyBlog.Infrastructure;

/// <summary>
/// The stack's inputs, read from CDK context (<c>cdk.json</c>, or <c>-c key=value</c> on the command line):
/// <list type="table">
/// <item><term>homeRegion</term><description>the region of the table's first replica, the distribution and the stack named MyBlog (default us-east-1)</description></item>
/// <item><term>replicaRegions</term><description>comma-separated further regions: each gets a replica of the table and a stack of its own (MyBlog-region) serving the API and running every function (default none)</description></item>
/// <item><term>domainName, certificateArn</term><description>optional custom domain and its ACM certificate (in us-east-1); needed with replica regions</description></item>
/// <item><term>hostedZoneId, hostedZoneName</term><description>the Route 53 hosted zone the domain is in (hostedZoneName defaults to domainName): with replica regions, api.domainName answers with the nearest region whose health check passes</description></item>
/// <item><term>senderAddress</term><description>the SES identity welcome emails come from (required)</description></item>
/// <item><term>alarmEmail</term><description>where the alarms are mailed (SNS asks it to confirm once; default: the sender address, a mailbox the author reads)</description></item>
/// <item><term>existingSenderIdentity</term><description>the sender address (or its domain) is already an SES identity in the home region, made by hand or another stack: the stack uses it instead of creating it (default false; the preflight says when it is needed)</description></item>
/// <item><term>originSecretParameterName</term><description>SSM String parameter with the secret CloudFront sends the API (default /myblog/origin-secret)</description></item>
/// <item><term>originSecretVersion</term><description>the version of that parameter CloudFront sends (default 1); raise it with each rotation — the API accepts it and the one before</description></item>
/// <item><term>linkKeyParameterName</term><description>SSM SecureString parameter with the key newsletter unsubscribe links are signed with (default /myblog/link-key)</description></item>
/// <item><term>idKeyParameterName</term><description>SSM SecureString parameter with the key subscribers' ids are derived from; never changed once subscribers exist (default /myblog/subscriber-id-key)</description></item>
/// <item><term>setupCodeParameterName</term><description>SSM SecureString with the one-time setup code (it makes the first owner) (default /myblog/setup-code)</description></item>
/// <item><term>lambdaAdapterVersion, architecture</term><description>the Lambda Web Adapter layer version and x86_64 or arm64 (defaults 30, x86_64)</description></item>
/// <item><term>extraUploadOrigins</term><description>comma-separated origins, besides the site's, whose pages may PUT photos to the uploads bucket (AWS mode adds the local edge's; default none)</description></item>
/// <item><term>sesSendRate</term><description>the SES account's maximum send rate, messages per second, shared by every function that sends mail (default 14, a new account's)</description></item>
/// <item><term>reserveMailConcurrency</term><description>reserve the mail functions' concurrency so their paces add up to sesSendRate (default false: Lambda refuses any reservation that leaves an account fewer than 10 unreserved, and a new account's quota is often 10; turn it on once the quota is raised)</description></item>
/// <item><term>webAcl</term><description>AWS WAF in front of CloudFront with a rate-based rule for the subscribe route (default false; needs homeRegion us-east-1)</description></item>
/// <item><term>transactionSearch</term><description>turn on CloudWatch Transaction Search (X-Ray's OTLP endpoint needs it; one setting per account and region, default false)</description></item>
/// <item><term>packagesDirectory</term><description>where the Lambda packages are built (default artifacts/lambda at the repository root)</description></item>
/// </list>
/// </summary>
public sealed partial record StackSettings(
    string HomeRegion,
    IReadOnlyList<string> ReplicaRegions,
    string? DomainName,
    string? CertificateArn,
    string? HostedZoneId,
    string? HostedZoneName,
    string SenderAddress,
    string AlarmEmail,
    bool ExistingSenderIdentity,
    string SetupCodeParameterName,
    string OriginSecretParameterName,
    int OriginSecretVersion,
    string LinkKeyParameterName,
    string IdKeyParameterName,
    int LambdaAdapterVersion,
    string Architecture,
    IReadOnlyList<string> ExtraUploadOrigins,
    double SesSendRate,
    bool ReserveMailConcurrency,
    bool WebAcl,
    bool TransactionSearch,
    string PackagesDirectory,
    string RepositoryRoot)
{
    public static StackSettings FromContext(Construct scope, string repositoryRoot) => From(scope.Node.TryGetContext, repositoryRoot);

    /// <summary>The same from a context dictionary (cdk.json and -c values), without a CDK app: the preflight reads them so.</summary>
    public static StackSettings FromContext(IReadOnlyDictionary<string, object> context, string repositoryRoot) =>
        From(key => context.GetValueOrDefault(key), repositoryRoot);

    private static StackSettings From(Func<string, object?> context, string repositoryRoot)
    {
        string? Get(string key) => context(key) is { } value && value.ToString() is { Length: > 0 } text ? text.Trim() : null;
        string[] List(string key) => (Get(key) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var settings = new StackSettings(
            HomeRegion: Get("homeRegion") ?? "us-east-1",
            ReplicaRegions: List("replicaRegions"),
            DomainName: Get("domainName"),
            CertificateArn: Get("certificateArn"),
            HostedZoneId: Get("hostedZoneId"),
            HostedZoneName: Get("hostedZoneName") ?? Get("domainName"),
            SenderAddress: Get("senderAddress") ?? "",
            AlarmEmail: Get("alarmEmail") ?? Get("senderAddress") ?? "",
            ExistingSenderIdentity: bool.TryParse(Get("existingSenderIdentity"), out var existingIdentity) && existingIdentity,
            SetupCodeParameterName: Get("setupCodeParameterName") ?? "/myblog/setup-code",
            OriginSecretParameterName: Get("originSecretParameterName") ?? "/myblog/origin-secret",
            OriginSecretVersion: int.TryParse(Get("originSecretVersion"), out var secretVersion) ? secretVersion : 1,
            LinkKeyParameterName: Get("linkKeyParameterName") ?? "/myblog/link-key",
            IdKeyParameterName: Get("idKeyParameterName") ?? "/myblog/subscriber-id-key",
            LambdaAdapterVersion: int.TryParse(Get("lambdaAdapterVersion"), out var version) ? version : 30,
            Architecture: Get("architecture") ?? "x86_64",
            ExtraUploadOrigins: List("extraUploadOrigins"),
            SesSendRate: double.TryParse(Get("sesSendRate"), System.Globalization.CultureInfo.InvariantCulture, out var rate) ? rate : 14,
            ReserveMailConcurrency: bool.TryParse(Get("reserveMailConcurrency"), out var reserve) && reserve,
            WebAcl: bool.TryParse(Get("webAcl"), out var webAcl) && webAcl,
            TransactionSearch: bool.TryParse(Get("transactionSearch"), out var search) && search,
            PackagesDirectory: Path.GetFullPath(Get("packagesDirectory") ?? Path.Combine(repositoryRoot, "artifacts", "lambda")),
            RepositoryRoot: repositoryRoot);
        settings.Validate();
        return settings;
    }

    /// <summary>Refuses inputs that would deploy something broken, with a message naming the context key.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (!Region().IsMatch(HomeRegion))
        {
            errors.Add($"homeRegion '{HomeRegion}' is not an AWS region name (like eu-west-1).");
        }
        foreach (var replica in ReplicaRegions.Where(r => !Region().IsMatch(r) || r == HomeRegion))
        {
            errors.Add($"replicaRegions: '{replica}' is not a region other than the home region.");
        }
        if (ReplicaRegions.Count > 0 && (DomainName is null || HostedZoneId is null))
        {
            errors.Add("replicaRegions need domainName, certificateArn and hostedZoneId: every region's API answers as api.domainName, " +
                "and Route 53 (the hosted zone) sends each request to the nearest region whose health check passes.");
        }
        if (HostedZoneName is not null && DomainName is not null
            && !(DomainName == HostedZoneName || DomainName.EndsWith("." + HostedZoneName, StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add($"domainName '{DomainName}' is not in the hosted zone '{HostedZoneName}' (set hostedZoneName to the zone's name).");
        }
        if (!Email().IsMatch(SenderAddress))
        {
            errors.Add("senderAddress is required: the address welcome emails come from (an SES identity), e.g. -c senderAddress=hello@example.com.");
        }
        if (!Email().IsMatch(AlarmEmail))
        {
            errors.Add($"alarmEmail '{AlarmEmail}' is not an email address: where alarms are mailed, e.g. -c alarmEmail=me@example.com.");
        }
        if ((DomainName is null) != (CertificateArn is null))
        {
            errors.Add("domainName and certificateArn go together (the certificate must be in us-east-1 for CloudFront).");
        }
        if (CertificateArn is not null && !CertificateArn.StartsWith("arn:aws:acm:us-east-1:", StringComparison.Ordinal))
        {
            errors.Add("certificateArn must be an ACM certificate in us-east-1 (CloudFront only uses certificates there).");
        }
        foreach (var (key, name) in new[] { ("setupCodeParameterName", SetupCodeParameterName), ("originSecretParameterName", OriginSecretParameterName), ("linkKeyParameterName", LinkKeyParameterName), ("idKeyParameterName", IdKeyParameterName) })
        {
            if (!name.StartsWith('/'))
            {
                errors.Add($"{key} '{name}' must be an SSM parameter path starting with '/'.");
            }
        }
        foreach (var origin in ExtraUploadOrigins.Where(o => !Origin().IsMatch(o)))
        {
            errors.Add($"extraUploadOrigins: '{origin}' is not an origin (scheme, host and optional port, like http://localhost:8080).");
        }
        if (Architecture is not ("x86_64" or "arm64"))
        {
            errors.Add($"architecture is x86_64 or arm64, not '{Architecture}'.");
        }
        if (SesSendRate is < 1 or > 10_000 || double.IsNaN(SesSendRate))
        {
            errors.Add($"sesSendRate is the SES account's messages per second (1 to 10,000), not '{SesSendRate}'.");
        }
        if (WebAcl && HomeRegion != "us-east-1")
        {
            errors.Add("webAcl needs homeRegion us-east-1: CloudFront's web ACLs can only be created there.");
        }
        if (OriginSecretVersion < 1)
        {
            errors.Add("originSecretVersion is the version (1, 2, …) of the origin secret's parameter that CloudFront sends.");
        }
        if (LambdaAdapterVersion < 1)
        {
            errors.Add("lambdaAdapterVersion is the Lambda Web Adapter layer's version number (a positive integer).");
        }
        if (errors.Count > 0)
        {
            throw new ArgumentException("MyBlog stack inputs:\n  " + string.Join("\n  ", errors));
        }
    }

    /// <summary>Every region the blog runs in, the home region first.</summary>
    public IReadOnlyList<string> Regions => [HomeRegion, .. ReplicaRegions];

    /// <summary>More than one region: a stack per region, the API behind Route 53's health-checked latency records.</summary>
    public bool MultiRegion => ReplicaRegions.Count > 0;

    /// <summary>The name every region's API answers to (Route 53 picks the region), CloudFront's origin for /api/*.</summary>
    public string ApiDomainName => $"api.{DomainName}";

    /// <summary>The site's origin as readers see it when it has its own domain (every region's functions link to it).</summary>
    public string? SiteUrl => DomainName is null ? null : $"https://{DomainName}";

    /// <summary>The Lambda Web Adapter layer AWS publishes in every region (account 753240598075).</summary>
    public string LambdaAdapterLayerArn(string region) =>
        $"arn:aws:lambda:{region}:753240598075:layer:{(Architecture == "arm64" ? "LambdaAdapterLayerArm64" : "LambdaAdapterLayerX86")}:{LambdaAdapterVersion}";

    /// <summary>
    /// The origin secret's parameter at one version: CloudFormation resolves a reference to a parameter only when the
    /// reference changes, so naming the version is what makes a rotation reach CloudFront (and the API) on deploy.
    /// </summary>
    public string OriginSecretAt(int version) => $"{OriginSecretParameterName}:{version}";

    /// <summary>The .NET runtime identifier the packages are built for.</summary>
    public string RuntimeIdentifier => Architecture == "arm64" ? "linux-arm64" : "linux-x64";

    [GeneratedRegex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")]
    private static partial Regex Region();

    [GeneratedRegex(@"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")]
    private static partial Regex Origin();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex Email();
}
