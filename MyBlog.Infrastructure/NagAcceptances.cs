using Amazon.CDK;
using Constructs;

namespace MyBlog.Infrastructure;

/// <summary>
/// The findings of AWS's rule packs (cdk-nag's AwsSolutions and Serverless) this stack accepts rather than fixes,
/// each with the reason that holds for this stack. Written on the resource as cdk-nag's v2 metadata block
/// (<c>cdk_nag: { rules_to_suppress: [{ id, reason, applies_to }] }</c>), which the rule check reads back; anything
/// a pack finds that is not accepted here fails the build's test.
/// </summary>
public sealed class NagAcceptances
{
    private readonly Dictionary<string, (CfnResource Resource, List<Dictionary<string, object>> Entries)> _byPath = [];

    /// <summary>
    /// Accepts <paramref name="ruleId"/> on <paramref name="construct"/> (a CloudFormation resource, or an L2 whose
    /// default child is one); with <paramref name="appliesTo"/>, only those findings of the rule (e.g.
    /// "Resource::&lt;Bucket.Arn&gt;/uploads/*" for IAM5).
    /// </summary>
    public void Accept(IConstruct construct, string ruleId, string reason, params string[] appliesTo)
    {
        var resource = Resource(construct);
        if (!_byPath.TryGetValue(resource.Node.Path, out var accepted))
        {
            _byPath[resource.Node.Path] = accepted = (resource, []);
        }
        var entry = new Dictionary<string, object> { ["id"] = ruleId, ["reason"] = reason };
        if (appliesTo.Length > 0)
        {
            entry["applies_to"] = appliesTo;
        }
        accepted.Entries.Add(entry);
        resource.AddMetadata("cdk_nag", new Dictionary<string, object> { ["rules_to_suppress"] = accepted.Entries.ToArray() });
    }

    /// <summary>As <see cref="Accept"/>, for the findings of the rule that match <paramref name="pattern"/> (a JavaScript regular expression, /…/).</summary>
    public void AcceptMatching(IConstruct construct, string ruleId, string reason, string pattern)
    {
        Accept(construct, ruleId, reason);
        var entries = _byPath[Resource(construct).Node.Path].Entries;
        entries[^1]["applies_to"] = new object[] { new Dictionary<string, object> { ["regex"] = pattern } };
        Resource(construct).AddMetadata("cdk_nag", new Dictionary<string, object> { ["rules_to_suppress"] = entries.ToArray() });
    }

    /// <summary>
    /// The function CDK makes for its SDK-call resources (one per stack), and its role: it runs only while
    /// CloudFormation creates, updates or deletes those resources, each call with its own narrow statements.
    /// </summary>
    public void AcceptSdkCallProvider(Stack stack)
    {
        if (stack.Node.TryFindChild("AWS" + Amazon.CDK.CustomResources.AwsCustomResource.PROVIDER_FUNCTION_UUID.Replace("-", "", StringComparison.Ordinal)) is not { } provider)
        {
            return;
        }
        const string Why = "CDK's provider for SDK-call resources runs only while CloudFormation deploys the stack, for a few SDK calls whose failure fails the deploy";
        Accept(provider, "AwsSolutions-L1", $"{Why}; CDK picks and updates its runtime with each CDK release.");
        Accept(provider, "Serverless-LambdaLatestVersion", $"{Why}; CDK picks and updates its runtime with each CDK release.");
        Accept(provider, "Serverless-LambdaTracing", $"{Why}; there is no request of a reader's to trace through it.");
        Accept(provider, "Serverless-LambdaDefaultMemorySize", $"{Why}; 128 MB is what CDK sizes it for.");
        Accept(provider, "Serverless-LambdaDLQ", $"{Why}; CloudFormation waits for its answer, so a dead-letter queue would keep nothing.");
        Accept(provider.Node.FindChild("ServiceRole"), "AwsSolutions-IAM4",
            $"{Why}; CDK gives its role AWS's basic execution policy (its own logs), and each SDK call's permissions are a separate policy naming the call's resources.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
    }

    private static CfnResource Resource(IConstruct construct) =>
        construct as CfnResource ?? construct.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{construct.Node.Path} is not a CloudFormation resource.", nameof(construct));

    /// <summary>A value an SDK-call resource read, as cdk-nag prints it in a finding: <c>&lt;LogicalId.Field&gt;</c>.</summary>
    public static string ResponseFieldOf(IConstruct sdkCall, string field) =>
        $"<{Stack.Of(sdkCall).GetLogicalId((CfnElement)sdkCall.Node.FindChild("Resource").Node.DefaultChild!)}.{field}>";

    /// <summary>The form cdk-nag gives a resource reference in a finding: <c>&lt;LogicalId.Arn&gt;</c>.</summary>
    public static string ArnOf(IConstruct construct) =>
        $"<{Stack.Of(construct).GetLogicalId((CfnElement)(construct as CfnResource ?? construct.Node.DefaultChild!))}.Arn>";
}
