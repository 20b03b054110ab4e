namespace MyBlog.Tests.Support;

/// <summary>
/// <c>dotnet test</c> installs what it needs: on Debian, as root, a missing program comes from its apt package
/// (one install at a time: apt holds a lock). Anywhere else the caller's message says what to install.
/// </summary>
public static class DebianPackage
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>Whether <paramref name="program"/> exists, once <paramref name="package"/> was installed if it could be.</summary>
    public static async Task<bool> EnsureAsync(string program, string package)
    {
        await OneAtATime.WaitAsync();
        try
        {
            if (!File.Exists(program) && File.Exists("/usr/bin/apt-get") && Environment.UserName == "root")
            {
                await RunAsync("apt-get", "update -qq");
                await RunAsync("apt-get", $"install -y -qq {package}");
            }
            return File.Exists(program);
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    private static async Task RunAsync(string command, string arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(command, arguments) { UseShellExecute = false };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = System.Diagnostics.Process.Start(start)!;
        await process.WaitForExitAsync();
    }
}
