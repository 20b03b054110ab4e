using MyBlog.Infrastructure;

namespace MyBlog.Tests.Unit;

/// <summary>The stack's inputs: anything that would deploy something broken is refused, naming the context key.</summary>
public sealed class StackSettingsTests
{
    private static readonly StackSettings Valid = new(
        HomeRegion: "eu-west-1", ReplicaRegions: ["us-east-1"], DomainName: "blog.example.com",
        CertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", HostedZoneId: "Z0123456789ABCDEFGHIJ", HostedZoneName: "example.com",
        SenderAddress: "hello@example.com", AlarmEmail: "me@example.com", ExistingSenderIdentity: false, SetupCodeParameterName: "/myblog/setup-code", OriginSecretParameterName: "/myblog/origin-secret", OriginSecretVersion: 1, LinkKeyParameterName: "/myblog/link-key", IdKeyParameterName: "/myblog/subscriber-id-key",
        LambdaAdapterVersion: 30, Architecture: "x86_64", ExtraUploadOrigins: [],
        SesSendRate: 14, ReserveMailConcurrency: true, WebAcl: false, TransactionSearch: false, PackagesDirectory: "/tmp/packages", RepositoryRoot: "/tmp");

    [Fact]
    public void Valid_inputs_pass() => Valid.Validate();

    public static TheoryData<StackSettings, string> Broken => new()
    {
        { Valid with { HomeRegion = "Europe" }, "homeRegion 'Europe'" },
        { Valid with { ReplicaRegions = ["eu-west-1"] }, "replicaRegions: 'eu-west-1' is not a region other than the home region" },
        { Valid with { ReplicaRegions = ["mars-1"] }, "replicaRegions: 'mars-1'" },
        { Valid with { SenderAddress = "" }, "senderAddress is required" },
        { Valid with { SenderAddress = "not an address" }, "senderAddress is required" },
        { Valid with { AlarmEmail = "ops" }, "alarmEmail 'ops' is not an email address" },
        { Valid with { ReplicaRegions = [], CertificateArn = null }, "domainName and certificateArn go together" },
        { Valid with { CertificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/x" }, "certificateArn must be an ACM certificate in us-east-1" },
        { Valid with { HostedZoneId = null }, "replicaRegions need domainName, certificateArn and hostedZoneId" },
        { Valid with { DomainName = null, CertificateArn = null }, "replicaRegions need domainName" },
        { Valid with { HostedZoneName = "example.org" }, "domainName 'blog.example.com' is not in the hosted zone 'example.org'" },
        { Valid with { LinkKeyParameterName = "myblog/link-key" }, "linkKeyParameterName 'myblog/link-key' must be an SSM parameter path" },
        { Valid with { SetupCodeParameterName = "token" }, "setupCodeParameterName 'token'" },
        { Valid with { Architecture = "x64" }, "architecture is x86_64 or arm64" },
        { Valid with { LambdaAdapterVersion = 0 }, "lambdaAdapterVersion" },
        { Valid with { SesSendRate = 0 }, "sesSendRate is the SES account's messages per second" },
        { Valid with { WebAcl = true }, "webAcl needs homeRegion us-east-1" },
        { Valid with { ExtraUploadOrigins = ["http://localhost:8080/admin/"] }, "extraUploadOrigins: 'http://localhost:8080/admin/' is not an origin" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Broken_inputs_are_refused_naming_the_key(StackSettings settings, string message)
    {
        var error = Assert.Throws<ArgumentException>(settings.Validate);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var error = Assert.Throws<ArgumentException>((Valid with { HomeRegion = "x", SenderAddress = "", Architecture = "z" }).Validate);
        Assert.Equal(4, error.Message.Split('\n').Length); // the heading and three problems
    }

    [Fact]
    public void The_adapter_layer_is_AWS_s_for_the_region_and_architecture()
    {
        Assert.Equal("arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerX86:30", Valid.LambdaAdapterLayerArn("eu-west-1"));
        Assert.Equal("arn:aws:lambda:ap-southeast-2:753240598075:layer:LambdaAdapterLayerArm64:30",
            (Valid with { Architecture = "arm64" }).LambdaAdapterLayerArn("ap-southeast-2"));
        Assert.Equal("linux-arm64", (Valid with { Architecture = "arm64" }).RuntimeIdentifier);
    }
}
