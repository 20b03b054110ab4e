using System.Text.Json;

namespace MyBlog.AppHost.Aws;

/// <summary>
/// The MyBlog stack's outputs as <c>cdk deploy --outputs-file</c> writes them (<c>{"MyBlog": {"TableName": …}}</c>),
/// and the configuration each local project gets from them in AWS mode.
/// </summary>
public sealed record StackOutputs(IReadOnlyDictionary<string, string> Values)
{
    public const string StackName = "MyBlog";

    /// <summary>The outputs the AppHost reads; the stack's template test checks it declares them all.</summary>
    public static readonly IReadOnlyList<string> Required =
    [
        "SiteUrl", "DistributionId", "ApiUrl", "Region", "TableName", "SiteBucket", "UploadsBucket", "MediaBucket",
        "MailConfigurationSet", "SetupCodeParameterName", "SenderAddress", "NewsletterQueueUrl", "LinkKeyParameterName", "IdKeyParameterName",
    ];

    public string this[string name] => Values.TryGetValue(name, out var value)
        ? value
        : throw new InvalidOperationException($"The stack outputs have no '{name}' (deploy the current MyBlog.Infrastructure).");

    /// <summary>Reads the outputs file; says clearly what is wrong with a missing or partial one.</summary>
    public static StackOutputs Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty(StackName, out var stack) || stack.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"The outputs file has no '{StackName}' stack.");
        }
        var values = stack.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
        var missing = Required.Where(name => !values.ContainsKey(name)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"The stack outputs lack {string.Join(", ", missing)} (deploy the current MyBlog.Infrastructure).");
        }
        return new StackOutputs(values);
    }

    public static StackOutputs Read(string path) => File.Exists(path)
        ? Parse(File.ReadAllText(path))
        : throw new InvalidOperationException($"No stack outputs at {path}: the deploy did not finish.");

    /// <summary>What MyBlog.Api needs: the table, the uploads bucket through Transfer Acceleration, the newsletter queue, its secrets' parameters.</summary>
    public IReadOnlyDictionary<string, string> ForApi() => new Dictionary<string, string>(Common())
    {
        ["Buckets__Uploads"] = this["UploadsBucket"],
        ["Uploads__TransferAcceleration"] = "true",
        ["Secrets__Admin__SetupCode"] = this["SetupCodeParameterName"],
        ["Secrets__Subscribers__LinkKey"] = this["LinkKeyParameterName"],
        ["Secrets__Subscribers__IdKey"] = this["IdKeyParameterName"],
        ["Newsletter__QueueUrl"] = this["NewsletterQueueUrl"],
    };

    /// <summary>What MyBlog.Workers needs: buckets, the distribution to invalidate, SES's API in the home region with the stack's configuration set.</summary>
    public IReadOnlyDictionary<string, string> ForWorkers() => new Dictionary<string, string>(Common())
    {
        ["Buckets__Site"] = this["SiteBucket"],
        ["Publishing__DistributionId"] = this["DistributionId"],
        // The deployed publish function owns the first build; a local worker does not race it.
        ["Publishing__BuildOnStart"] = "false",
        ["Buckets__Uploads"] = this["UploadsBucket"],
        ["Buckets__Media"] = this["MediaBucket"],
        ["Mail__Region"] = this["Region"],
        ["Mail__ConfigurationSet"] = this["MailConfigurationSet"],
        ["Mail__FromAddress"] = this["SenderAddress"],
        ["Secrets__Subscribers__LinkKey"] = this["LinkKeyParameterName"],
        ["Secrets__Subscribers__IdKey"] = this["IdKeyParameterName"],
        ["Newsletter__QueueUrl"] = this["NewsletterQueueUrl"],
    };

    /// <summary>What the local edge needs: the real site and media buckets.</summary>
    public IReadOnlyDictionary<string, string> ForWeb() => new Dictionary<string, string>
    {
        ["Aws__Region"] = this["Region"],
        ["Buckets__Site"] = this["SiteBucket"],
        ["Buckets__Media"] = this["MediaBucket"],
        ["Edge__UploadOrigin"] = $"https://{this["UploadsBucket"]}.s3-accelerate.amazonaws.com",
    };

    private Dictionary<string, string> Common() => new()
    {
        ["Aws__Region"] = this["Region"],
        ["MyBlog__TableName"] = this["TableName"],
        ["MyBlog__SiteUrl"] = this["SiteUrl"],
    };
}
