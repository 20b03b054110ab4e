using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using MyBlog.Infrastructure;

namespace MyBlog.Tests.Infrastructure;

/// <summary>
/// The MyBlog stack synthesized once (the jsii runtime runs on the machine's Node) with every input set: a home
/// region, two replica regions, a custom domain with its certificate, the sender, the parameter names. The Lambda
/// packages are stand-in folders here (their contents do not change the template); LambdaPackagesTests builds real ones.
/// </summary>
public sealed class SynthesizedStack : IDisposable
{
    public const string Domain = "blog.example.com";
    public const string CertificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";

    private readonly string _packages = Directory.CreateTempSubdirectory("myblog-packages-").FullName;

    public JsonObject Template { get; }
    public JsonObject Resources => Template["Resources"]!.AsObject();
    public TimeSpan SynthTime { get; }
    public int TemplateBytes { get; }

    public SynthesizedStack()
    {
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        foreach (var package in LambdaPackages.All)
        {
            Directory.CreateDirectory(Path.Combine(_packages, package.Package));
            File.WriteAllText(Path.Combine(_packages, package.Package, "bootstrap"), LambdaPackages.Bootstrap(package.Assembly));
        }
        var clock = Stopwatch.StartNew();
        var app = new App(new AppProps
        {
            Outdir = Path.Combine(_packages, "cdk.out"),
            Context = new Dictionary<string, object>
            {
                ["homeRegion"] = "eu-west-1",
                ["replicaRegions"] = "us-east-1, ap-southeast-2",
                ["domainName"] = Domain,
                ["certificateArn"] = CertificateArn,
                ["senderAddress"] = "hello@example.com",
                ["smtpParameterName"] = "/myblog/ses-smtp",
                ["adminTokenParameterName"] = "/myblog/admin-token",
                ["packagesDirectory"] = _packages,
            },
        });
        var stack = MyBlogApp.Build(app, RepositoryRoot.Find());
        var json = Amazon.CDK.Assertions.Template.FromStack(stack).ToJSON();
        var text = System.Text.Json.JsonSerializer.Serialize(json);
        SynthTime = clock.Elapsed;
        TemplateBytes = text.Length;
        Template = JsonNode.Parse(text)!.AsObject();
    }

    public IEnumerable<(string Id, JsonObject Properties)> OfType(string type) =>
        Resources.Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (r.Key, r.Value!["Properties"]?.AsObject() ?? new JsonObject()));

    public (string Id, JsonObject Properties) Single(string type, Func<JsonObject, bool>? where = null) =>
        Assert.Single(OfType(type), r => where?.Invoke(r.Properties) ?? true);

    /// <summary>The logical id of our four functions by their description's name.</summary>
    public (string Id, JsonObject Properties) Function(string name) =>
        Single("AWS::Lambda::Function", p => p["Description"]?.GetValue<string>().StartsWith($"MyBlog {name} ", StringComparison.Ordinal) == true);

    public static string Ref(JsonNode? node) => node?["Ref"]?.GetValue<string>() ?? node?["Fn::GetAtt"]?[0]?.GetValue<string>() ?? "";

    public void Dispose() => Directory.Delete(_packages, recursive: true);
}

/// <summary>Run alone, after the parallel tests: the package build in it takes both cores for a minute and a half.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SynthesizedStackCollection : ICollectionFixture<SynthesizedStack>
{
    public const string Name = "Synthesized stack";
}
