using System.Runtime.InteropServices;
using MyBlog.Infrastructure;

namespace MyBlog.Tests.Unit;

/// <summary>Where the API's Native AOT package can be built, and what the command says where it cannot.</summary>
public sealed class NativePackageTests
{
    [Fact]
    public void Linux_on_the_target_architecture_with_clang_builds_it()
    {
        Assert.Null(LambdaPackages.NativeBlocker("linux-x64", onLinux: true, Architecture.X64, clangOnPath: true));
        Assert.Null(LambdaPackages.NativeBlocker("linux-arm64", onLinux: true, Architecture.Arm64, clangOnPath: true));
    }

    [Theory]
    [InlineData("linux-x64", false, Architecture.Arm64, true, "only on Linux x64 (this is not Linux arm64)")]
    [InlineData("linux-arm64", true, Architecture.X64, true, "only on Linux arm64 (this is Linux x64)")]
    [InlineData("linux-x64", true, Architecture.X64, false, "links with clang: install it (Debian and Ubuntu: apt-get install clang)")]
    public void Elsewhere_one_line_says_why_and_names_both_ways_out(string rid, bool onLinux, Architecture machine, bool clang, string why)
    {
        var message = LambdaPackages.NativeBlocker(rid, onLinux, machine, clang);
        Assert.NotNull(message);
        Assert.Contains(why, message, StringComparison.Ordinal);
        Assert.EndsWith($"dotnet run --project MyBlog.Infrastructure -- package {rid} --ready-to-run", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }
}
