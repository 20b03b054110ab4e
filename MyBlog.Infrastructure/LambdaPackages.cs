using System.Diagnostics;
using MyBlog.Aws.Functions;

namespace MyBlog.Infrastructure;

/// <summary>
/// Builds the Lambda packages the stack deploys, each with an executable <c>bootstrap</c> that starts the app on the
/// Lambda Web Adapter's port, with invariant globalization (provided.al2023 has no ICU: without it the runtime stops
/// at start). MyBlog.Api is a Native AOT binary: measured with <c>benchmarks … cold-start</c>, it answers its first
/// request in about a quarter of the JIT build's time, in a quarter of the package. MyBlog.Workers is published
/// self-contained (no .NET runtime on provided.al2023) with ReadyToRun: ImageSharp, Markdig and the Razor renderer
/// are not all trim-safe, and only the API answers readers while they wait. Native AOT compiles on Linux for the
/// machine's own architecture and links with clang; where that is not at hand, <c>--ready-to-run</c> packages the
/// API as the workers are (slower to start, otherwise the same).
/// </summary>
public static class LambdaPackages
{
    public static readonly IReadOnlyList<(string Package, string Project, string Assembly, bool Native)> All =
    [
        ("api", "MyBlog.Api/MyBlog.Api.csproj", "MyBlog.Api", true),
        ("workers", "MyBlog.Workers/MyBlog.Workers.csproj", "MyBlog.Workers", false),
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

    /// <summary>
    /// Why the computer running the command cannot build the native API for <paramref name="runtimeIdentifier"/>, or null when it can:
    /// Native AOT compiles for the operating system and architecture it runs on, and links with clang.
    /// </summary>
    public static string? NativeBlocker(string runtimeIdentifier, bool onLinux, System.Runtime.InteropServices.Architecture machine, bool clangOnPath)
    {
        var wanted = runtimeIdentifier.EndsWith("arm64", StringComparison.Ordinal) ? "arm64" : "x64";
        var have = machine.ToString().ToLowerInvariant();
        var fallback = "or package the API as ReadyToRun instead (about three times slower to answer its first request): "
            + $"dotnet run --project MyBlog.Infrastructure -- package {runtimeIdentifier} --ready-to-run";
        if (!onLinux || have != wanted)
        {
            return $"The API's Lambda package is a Native AOT build, which compiles only on Linux {wanted} (this is {(onLinux ? "Linux" : "not Linux")} {have}): "
                + $"package on such a machine (CI, WSL, a container), {fallback}";
        }
        return clangOnPath
            ? null
            : $"The API's Lambda package is a Native AOT build, which links with clang: install it (Debian and Ubuntu: apt-get install clang), {fallback}";
    }

    public static async Task<int> BuildAsync(string repositoryRoot, string runtimeIdentifier, string? outputRoot = null, TextWriter? log = null,
        bool readyToRunApi = false)
    {
        outputRoot ??= Path.Combine(repositoryRoot, "artifacts", "lambda");
        log ??= Console.Out;
        var blocker = readyToRunApi ? null : NativeBlocker(runtimeIdentifier, OperatingSystem.IsLinux(),
            System.Runtime.InteropServices.RuntimeInformation.OSArchitecture, OnPath("clang"));
        if (blocker is not null)
        {
            log.WriteLine(blocker);
            return 1;
        }
        foreach (var (package, project, assembly, nativeBuild) in All)
        {
            var native = nativeBuild && !readyToRunApi;
            var output = Path.Combine(outputRoot, package);
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
            log.WriteLine($"Publishing {project} → {output} ({runtimeIdentifier}, {(native ? "Native AOT" : "self-contained, ReadyToRun")})");
            // No build servers left behind: this runs once, often inside another process (a test run, the AppHost).
            // No debug symbols: they would triple the native package and Lambda has no debugger to read them.
            string[] build = native
                ? ["-p:PublishAot=true"]
                : ["--self-contained", "true", "-p:PublishAot=false", "-p:PublishReadyToRun=true"];
            var exit = await RunAsync(repositoryRoot, log, "dotnet", ["publish", project, "-c", "Release", "-r", runtimeIdentifier,
                .. build, "-p:InvariantGlobalization=true", "-p:DebugType=none", "-p:DebugSymbols=false", "-o", output,
                "-nodeReuse:false", "-p:UseSharedCompilation=false"]);
            if (exit != 0)
            {
                return exit;
            }
            foreach (var symbols in Directory.EnumerateFiles(output, "*.dbg"))
            {
                File.Delete(symbols); // the native build writes its symbols beside the binary whatever DebugType says
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

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));

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
