using System.Diagnostics;
using MyBlog.Infrastructure;

namespace MyBlog.Tests.Support;

/// <summary>
/// A pinned npm tool in a folder of the repository (its package.json and package-lock.json): <c>dotnet test</c>
/// installs it itself, once, then runs its commands there.
/// </summary>
public sealed class NpmTool(string relativeDirectory, string markerPackage)
{
    private readonly SemaphoreSlim _installing = new(1, 1);

    public string Directory { get; } = Path.Combine(RepositoryRoot.Find(), relativeDirectory);

    public async Task EnsureInstalledAsync()
    {
        await _installing.WaitAsync();
        try
        {
            if (!File.Exists(Path.Combine(Directory, "node_modules", markerPackage, "package.json")))
            {
                var (code, output, errors) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"]);
                Assert.True(code == 0, $"npm ci in {relativeDirectory} failed: {output}{errors}");
            }
        }
        finally
        {
            _installing.Release();
        }
    }

    public async Task<(int Code, string Output, string Errors)> RunAsync(string command, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(command, arguments) { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }
}
