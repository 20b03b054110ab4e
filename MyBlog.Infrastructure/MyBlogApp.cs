using System.Text.Json;
using Amazon.CDK;

namespace MyBlog.Infrastructure;

/// <summary>The stacks of one MyBlog: the home region's, each other region's (after it), and the media copies' (last).</summary>
public sealed record MyBlogStacks(MyBlogStack Home, IReadOnlyList<MyBlogStack> Replicas, MediaReplicationStack? MediaReplication)
{
    public IEnumerable<Stack> All => [Home, .. Replicas, .. MediaReplication is null ? Array.Empty<Stack>() : [MediaReplication]];
}

/// <summary>
/// The CDK app: the MyBlog stack in the home region and, for each replica region, a MyBlog-region stack serving the
/// API and running the functions there on its replica of the table; with more than one region, a last stack sets the
/// media buckets' replication once every region's bucket exists. <c>cdk deploy --all</c> deploys them in that order.
/// </summary>
public static class MyBlogApp
{
    public const string StackName = "MyBlog";

    public static string ReplicaStackName(string region) => $"{StackName}-{region}";

    public static MyBlogStacks Build(App app, string repositoryRoot)
    {
        var settings = StackSettings.FromContext(app, repositoryRoot);
        var account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT");
        StackProps In(string region, string description) => new()
        {
            Env = new Amazon.CDK.Environment { Region = region, Account = account },
            Description = description,
        };
        var home = new MyBlogStack(app, StackName, settings,
            In(settings.HomeRegion, "MyBlog: static site on CloudFront, HTTP API and workers on Lambda, global DynamoDB table"));
        var replicas = settings.ReplicaRegions.Select(region =>
        {
            var stack = new MyBlogStack(app, ReplicaStackName(region), settings,
                In(region, $"MyBlog in {region}: the HTTP API and workers on Lambda, on this region's replica of the table"));
            stack.AddDependency(home, "the table's replica and the distribution are made by the home region's stack");
            return stack;
        }).ToList();
        MediaReplicationStack? replication = null;
        if (settings.MultiRegion)
        {
            replication = new MediaReplicationStack(app, StackName + MediaReplicationStack.StackNameSuffix, settings, home.Buckets.Media.BucketName,
                In(settings.HomeRegion, "MyBlog: every region's media bucket replicating to the others'"));
            foreach (var replica in replicas)
            {
                replication.AddDependency(replica, "replication rules need every destination bucket to exist");
            }
        }
        return new MyBlogStacks(home, replicas, replication);
    }
}

/// <summary>Context for a direct <c>dotnet run</c>: cdk.json's "context", then <c>-c key=value</c> arguments, as the CLI merges them.</summary>
public static class SynthContext
{
    public static Dictionary<string, object> FromCdkJsonAndArgs(string[] args, string? cdkJson = null)
    {
        var context = new Dictionary<string, object>();
        cdkJson ??= Path.Combine(AppContext.BaseDirectory, "cdk.json");
        if (File.Exists(cdkJson))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(cdkJson));
            if (document.RootElement.TryGetProperty("context", out var values))
            {
                foreach (var property in values.EnumerateObject())
                {
                    context[property.Name] = property.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => property.Value.ToString(),
                    };
                }
            }
        }
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] is "-c" or "--context" && args[i + 1].Split('=', 2) is [var key, var value])
            {
                context[key] = value;
            }
        }
        return context;
    }
}
