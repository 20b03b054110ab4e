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
        var resource = construct as CfnResource ?? construct.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{construct.Node.Path} is not a CloudFormation resource.", nameof(construct));
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

    /// <summary>The form cdk-nag gives a resource reference in a finding: <c>&lt;LogicalId.Arn&gt;</c>.</summary>
    public static string ArnOf(IConstruct construct) =>
        $"<{Stack.Of(construct).GetLogicalId((CfnElement)(construct as CfnResource ?? construct.Node.DefaultChild!))}.Arn>";
}
