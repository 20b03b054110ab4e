using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using MyBlog.Core.Authors;
using MyBlog.Core.Subscribers;

namespace MyBlog.AppHost.Startup;

/// <summary>
/// The AppHost's secret parameters, checked by the rules the services themselves apply, before anything starts: a
/// service that refuses its configuration exits at start, and a newcomer would see only a site that never answers.
/// </summary>
public static class LocalParameters
{
    public const string SetupCode = "setup-code";
    public const string LinkKey = "link-key";
    public const string IdKey = "id-key";

    /// <summary>One line per parameter the services would refuse, saying what is wrong and how to set it.</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        string Value(string name) => configuration[$"Parameters:{name}"] ?? "";
        var problems = new List<string>();
        Check(problems, SetupCode, new AdminOptionsValidator().Validate(null, new AdminOptions { SetupCode = Value(SetupCode) }));
        Check(problems, LinkKey, new SubscriberLinkOptionsValidator().Validate(null, new SubscriberLinkOptions { LinkKey = Value(LinkKey) }));
        Check(problems, IdKey, new SubscriberIdOptionsValidator().Validate(null, new SubscriberIdOptions { IdKey = Value(IdKey) }));
        return problems;
    }

    private static void Check(List<string> problems, string name, ValidateOptionsResult result)
    {
        if (result.Failed)
        {
            var why = string.Join(" ", (result.Failures ?? []).Select(f => f.Split(": ", 2) is [_, var text] ? text : f));
            problems.Add($"The parameter {name} is not usable: {why} Set it with Parameters__{name}=… in the environment, " +
                $"or dotnet user-secrets set Parameters:{name} … --project MyBlog.AppHost.");
        }
    }
}
