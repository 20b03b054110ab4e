using System.Text.Json;
using Amazon.CDK;

namespace MyBlog.Infrastructure;

/// <summary>The CDK app: one MyBlog stack in the home region.</summary>
public static class MyBlogApp
{
    public const string StackName = "MyBlog";

    public static MyBlogStack Build(App app, string repositoryRoot)
    {
        var settings = StackSettings.FromContext(app, repositoryRoot);
        return new MyBlogStack(app, StackName, settings, new StackProps
        {
            Env = new Amazon.CDK.Environment
            {
                Region = settings.HomeRegion,
                Account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT"),
            },
            Description = "MyBlog: static site on CloudFront, HTTP API and workers on Lambda, global DynamoDB table",
        });
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
