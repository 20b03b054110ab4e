using System.Text.RegularExpressions;
using MyBlog.Infrastructure;

namespace MyBlog.Tests.Design;

/// <summary>
/// How the code is laid out, checked on the sources themselves: a folder is its namespace, a type name means one
/// type, the domain knows nothing of Lambda, and nothing speaks of where it happened to be built.
/// </summary>
public sealed partial class CodebaseTests
{
    private static readonly string Root = RepositoryRoot.Find();

    private static readonly string[] ProductProjects =
        ["MyBlog.Api", "MyBlog.AppHost", "MyBlog.Aws", "MyBlog.Core", "MyBlog.Infrastructure", "MyBlog.LocalAws", "MyBlog.ServiceDefaults", "MyBlog.Site", "MyBlog.Web", "MyBlog.Workers"];

    private static IEnumerable<string> Sources(params string[] projects) => projects
        .SelectMany(project => Directory.EnumerateFiles(Path.Combine(Root, project), "*.cs", SearchOption.AllDirectories))
        .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string Relative(string file) => Path.GetRelativePath(Root, file);

    [Fact]
    public void Every_file_s_namespace_is_its_folder()
    {
        var wrong = Sources([.. ProductProjects, "MyBlog.Tests", Path.Combine("benchmarks", "MyBlog.Benchmarks")])
            .Select(file => (File: Relative(file), Namespace: Namespace().Match(File.ReadAllText(file)).Groups[1].Value))
            .Where(f => f.Namespace.Length > 0 || !f.File.EndsWith("Program.cs", StringComparison.Ordinal))
            .Where(f => f.Namespace != Path.GetDirectoryName(f.File)!.Replace("benchmarks" + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(Path.DirectorySeparatorChar, '.'))
            .Select(f => $"{f.File}: {f.Namespace}");
        Assert.Empty(wrong);
    }

    [Fact]
    public void No_type_name_is_defined_twice_in_the_product()
    {
        var twice = Sources(ProductProjects)
            .SelectMany(file => TypeDeclaration().Matches(File.ReadAllText(file)).Select(m => (Name: m.Groups[1].Value, File: Relative(file))))
            .GroupBy(t => t.Name)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(t => t.File))}");
        Assert.Empty(twice);
    }

    [Fact]
    public void The_domain_knows_no_Lambda_event_source_or_CloudFormation_concept()
    {
        var aware = Sources("MyBlog.Core")
            .Where(file => AwsContract().IsMatch(File.ReadAllText(file)))
            .Select(Relative);
        Assert.Empty(aware);
        var project = File.ReadAllText(Path.Combine(Root, "MyBlog.Core", "MyBlog.Core.csproj"));
        Assert.DoesNotContain("ProjectReference", project);
    }

    [Fact]
    public void No_file_speaks_of_the_machine_it_was_built_on_or_of_issue_numbers()
    {
        var texts = Sources([.. ProductProjects, "MyBlog.Tests", Path.Combine("benchmarks", "MyBlog.Benchmarks")])
            .Concat(Directory.EnumerateFiles(Root, "*.md", SearchOption.TopDirectoryOnly))
            .Concat(Directory.Exists(Path.Combine(Root, "docs")) ? Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories) : [])
            .Concat(Directory.EnumerateFiles(Root, "*.props"))
            .Concat(Directory.EnumerateFiles(Root, "*.csproj", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            .Where(file => Path.GetFileName(file) != nameof(CodebaseTests) + ".cs");
        var found = texts
            .SelectMany(file => MachineTalk().Matches(File.ReadAllText(file)).Select(m => $"{Relative(file)}: {m.Value}"));
        Assert.Empty(found);
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"^\s*(?:(?:public|internal|private|protected|file|sealed|static|abstract|partial|readonly)\s+)*(?:record\s+(?:struct|class)|class|record|struct|enum|interface)\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();

    /// <summary>What belongs to the AWS contract project: Lambda's events, event source mappings, stream filters, CloudFormation.</summary>
    [GeneratedRegex(@"\b(Lambda|EventSource|StreamSubscription|QueueSubscription|CloudFormation|EventBridge|AWS_LWA|batchItemFailures)\b")]
    private static partial Regex AwsContract();

    [GeneratedRegex(@"(?i)\b(package mirror|the mirror|build machine|this machine|issue #?\d+|issues? \d+(, \d+)*)\b")]
    private static partial Regex MachineTalk();
}
