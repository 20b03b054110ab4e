using System.Diagnostics;

namespace MyBlog.Infrastructure;

/// <summary>
/// Builds the Lambda packages the stack deploys: MyBlog.Api and MyBlog.Workers published self-contained for Linux
/// with ReadyToRun (no .NET runtime on provided.al2023; precompiled code shortens cold starts) and invariant
/// globalization (no ICU there either: without it the runtime stops at start), each with an
/// executable <c>bootstrap</c> that starts the app on the Lambda Web Adapter's port.
/// </summary>
public static class LambdaPackages
{
    public static readonly IReadOnlyList<(string Package, string Project, string Assembly)> All =
    [
        ("api", "MyBlog.Api/MyBlog.Api.csproj", "MyBlog.Api"),
        ("workers", "MyBlog.Workers/MyBlog.Workers.csproj", "MyBlog.Workers"),
    ];

    /// <summary>
    /// The package's entry point. Lambda runs it in the task root; the app listens on 127.0.0.1 at the adapter's
    /// port (AWS_LWA_PORT, 8080 by default), where the adapter sends requests and events.
    /// </summary>
    public static string Bootstrap(string assembly) => $$"""
        #!/bin/sh
        # Starts {{assembly}} for the Lambda Web Adapter: it proxies invocations to this port and waits for /health.
        set -e
        cd "$(dirname "$0")"
        export ASPNETCORE_URLS="http://127.0.0.1:${AWS_LWA_PORT:-8080}"
        export DOTNET_gcServer=0
        exec ./{{assembly}} "$@"

        """.Replace("\r\n", "\n");

    public static async Task<int> BuildAsync(string repositoryRoot, string runtimeIdentifier, string? outputRoot = null, TextWriter? log = null)
    {
        outputRoot ??= Path.Combine(repositoryRoot, "artifacts", "lambda");
        log ??= Console.Out;
        foreach (var (package, project, assembly) in All)
        {
            var output = Path.Combine(outputRoot, package);
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
            log.WriteLine($"Publishing {project} → {output} ({runtimeIdentifier}, self-contained, ReadyToRun)");
            // No build servers left behind: this runs once, often inside another process (a test run, the AppHost).
            var exit = await RunAsync(repositoryRoot, log, "dotnet", "publish", project, "-c", "Release", "-r", runtimeIdentifier,
                "--self-contained", "true", "-p:PublishReadyToRun=true", "-p:InvariantGlobalization=true", "-o", output,
                "-nodeReuse:false", "-p:UseSharedCompilation=false");
            if (exit != 0)
            {
                return exit;
            }
            var bootstrap = Path.Combine(output, "bootstrap");
            await File.WriteAllTextAsync(bootstrap, Bootstrap(assembly));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(bootstrap, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
        }
        log.WriteLine($"Lambda packages in {outputRoot}");
        return 0;
    }

    private static async Task<int> RunAsync(string directory, TextWriter log, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        await Task.WhenAll(CopyAsync(process.StandardOutput, log), CopyAsync(process.StandardError, log), process.WaitForExitAsync());
        return process.ExitCode;
    }

    private static async Task CopyAsync(StreamReader from, TextWriter to)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            lock (to)
            {
                to.WriteLine(line);
            }
        }
    }
}
