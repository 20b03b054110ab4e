using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using MyBlog.Aws.Functions;
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

    public const string HostedZoneId = "Z0123456789ABCDEFGHIJ";

    /// <summary>The home region's stack (MyBlog).</summary>
    public JsonObject Template { get; }

    /// <summary>Every stack of the app by name: the home region's, each replica region's, the media replication's.</summary>
    public IReadOnlyDictionary<string, JsonObject> Stacks { get; }
    /// <summary>The stand-in Lambda packages the stack is synthesized with.</summary>
    public string PackagesDirectory => _packages;

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
        var stacks = SynthesizeAll(new Dictionary<string, object>
        {
            ["homeRegion"] = "eu-west-1",
            ["replicaRegions"] = "us-east-1, ap-southeast-2",
            ["domainName"] = Domain,
            ["certificateArn"] = CertificateArn,
            ["hostedZoneId"] = HostedZoneId,
            ["hostedZoneName"] = "example.com",
            ["senderAddress"] = "hello@example.com",
            ["alarmEmail"] = "alarms@example.com",
            ["reserveMailConcurrency"] = "true",
            ["setupCodeParameterName"] = "/myblog/setup-code",
            ["packagesDirectory"] = _packages,
        });
        SynthTime = clock.Elapsed;
        TemplateBytes = stacks[MyBlogApp.StackName].Length;
        Stacks = stacks.ToDictionary(s => s.Key, s => JsonNode.Parse(s.Value)!.AsObject());
        Template = Stacks[MyBlogApp.StackName];
    }

    /// <summary>
    /// The template for <paramref name="context"/> (cdk.json's inputs), as JSON text. The packages default to this
    /// fixture's stand-in folders.
    /// </summary>
    public string Synthesize(Dictionary<string, object> context) => SynthesizeAll(context)[MyBlogApp.StackName];

    /// <summary>Every stack's template for <paramref name="context"/>, by stack name.</summary>
    public Dictionary<string, string> SynthesizeAll(Dictionary<string, object> context)
    {
        context.TryAdd("packagesDirectory", _packages);
        var app = new App(new AppProps { Outdir = Path.Combine(_packages, $"cdk.out-{Guid.NewGuid():N}"), Context = context });
        return MyBlogApp.Build(app, RepositoryRoot.Find()).All.ToDictionary(
            stack => stack.StackName,
            stack => System.Text.Json.JsonSerializer.Serialize(Amazon.CDK.Assertions.Template.FromStack(stack).ToJSON()));
    }

    public IEnumerable<(string Id, JsonObject Properties)> OfType(string type) => OfType(Template, type);

    /// <summary>The resources of <paramref name="type"/> in <paramref name="template"/> (this fixture's or another synth's).</summary>
    public static IEnumerable<(string Id, JsonObject Properties)> OfType(JsonObject template, string type) =>
        template["Resources"]!.AsObject().Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (r.Key, r.Value!["Properties"]?.AsObject() ?? new JsonObject()));

    public (string Id, JsonObject Properties) Single(string type, Func<JsonObject, bool>? where = null) =>
        Assert.Single(OfType(type), r => where?.Invoke(r.Properties) ?? true);

    /// <summary>A function by its construct id (<see cref="MyBlog.Aws.Functions.FunctionDeclaration.ConstructId"/>): its logical id is the path's and a hash.</summary>
    public (string Id, JsonObject Properties) Function(string constructId) => Assert.Single(OfType("AWS::Lambda::Function"),
        r => System.Text.RegularExpressions.Regex.IsMatch(r.Id, $"^Functions{constructId}[0-9A-F]{{8}}$"));

    /// <summary>
    /// The function a property names — by reference, or by the fixed name the stack gives each function (which CDK
    /// writes as the literal name) — as its logical id; "" when none.
    /// </summary>
    public string FunctionId(JsonNode? name) => Ref(name) is { Length: > 0 } id ? id
        : name is JsonValue value && value.TryGetValue<string>(out var literal)
            ? OfType("AWS::Lambda::Function").FirstOrDefault(f => f.Properties["FunctionName"]?.ToJsonString() == JsonValue.Create(literal).ToJsonString()).Id ?? ""
            : "";

    public static string Ref(JsonNode? node) => node?["Ref"]?.GetValue<string>() ?? node?["Fn::GetAtt"]?[0]?.GetValue<string>() ?? "";


    /// <summary>
    /// A circle of resources that refer to (Ref, Fn::GetAtt, Fn::Sub) or wait for (DependsOn) each other — which
    /// CloudFormation refuses to create, and CDK does not notice within one stack — or null when there is none.
    /// </summary>
    public static IReadOnlyList<string>? FindCycle(JsonObject template)
    {
        var resources = template["Resources"]!.AsObject();
        var edges = resources.ToDictionary(r => r.Key, r =>
        {
            var targets = new HashSet<string>();
            CollectReferences(r.Value!["Properties"], targets);
            foreach (var dependency in r.Value!["DependsOn"] switch { JsonArray a => a.Select(d => d!.GetValue<string>()), JsonValue v => [v.GetValue<string>()], _ => [] })
            {
                targets.Add(dependency);
            }
            targets.IntersectWith(resources.Select(x => x.Key));
            return targets;
        });
        var state = new Dictionary<string, bool>(); // false: on the path; true: done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = false;
            path.Add(node);
            foreach (var next in edges[node])
            {
                if (state.TryGetValue(next, out var done) && !done)
                {
                    return [.. path[path.IndexOf(next)..], next];
                }
                if (!state.ContainsKey(next) && Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node] = true;
            return null;
        }
        return edges.Keys.Where(k => !state.ContainsKey(k)).Select(Visit).FirstOrDefault(c => c is not null);
    }

    private static void CollectReferences(JsonNode? node, HashSet<string> into)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array)
                {
                    CollectReferences(item, into);
                }
                break;
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "Ref" && value is JsonValue reference)
                    {
                        into.Add(reference.GetValue<string>());
                    }
                    else if (key == "Fn::GetAtt")
                    {
                        into.Add(value is JsonArray getAtt ? getAtt[0]!.GetValue<string>() : value!.GetValue<string>().Split('.')[0]);
                    }
                    else if (key == "Fn::Sub")
                    {
                        var text = value is JsonArray sub ? sub[0]!.GetValue<string>() : value!.GetValue<string>();
                        foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(text, @"\$\{([^}.!]+)"))
                        {
                            into.Add(match.Groups[1].Value);
                        }
                        CollectReferences(value, into);
                    }
                    else
                    {
                        CollectReferences(value, into);
                    }
                }
                break;
        }
    }

    public void Dispose() => Directory.Delete(_packages, recursive: true);
}

/// <summary>Run alone, after the parallel tests: the package build in it takes both cores for a minute and a half.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SynthesizedStackCollection : ICollectionFixture<SynthesizedStack>
{
    public const string Name = "Synthesized stack";
}
