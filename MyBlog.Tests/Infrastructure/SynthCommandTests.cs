using System.Diagnostics;
using MyBlog.Infrastructure;

namespace MyBlog.Tests.Infrastructure;

/// <summary>The synth command as a newcomer runs it on a fresh clone, before any package is built.</summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class SynthCommandTests
{
    [Fact]
    public async Task Synth_without_the_packages_exits_non_zero_with_one_line_naming_the_command_to_run()
    {
        var empty = Directory.CreateTempSubdirectory("myblog-no-packages-").FullName;
        var app = Path.Combine(Path.GetDirectoryName(typeof(MyBlogApp).Assembly.Location)!, "MyBlog.Infrastructure.dll");
        var start = new ProcessStartInfo("dotnet", [app, "-c", "senderAddress=hello@example.com", "-c", $"packagesDirectory={empty}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = empty,
        };
        start.Environment["CDK_OUTDIR"] = Path.Combine(empty, "cdk.out");
        start.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";
        using var synth = Process.Start(start)!;
        var output = synth.StandardOutput.ReadToEndAsync();
        var errors = synth.StandardError.ReadToEndAsync();
        await synth.WaitForExitAsync();

        Assert.Equal(1, synth.ExitCode);
        var lines = (await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains("dotnet run --project MyBlog.Infrastructure -- package", line);
        Assert.Empty((await output).Trim());
    }
}
