using Microsoft.Playwright;

namespace MyBlog.Tests.Browser;

/// <summary>
/// Playwright driving the machine's Chromium (Debian's <c>chromium</c> package; never a downloaded browser),
/// headless and without the sandbox, with the background-network features off since this machine has no internet.
/// </summary>
public static class BrowserFixture
{
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("MYBLOG_CHROMIUM") ?? "/usr/bin/chromium";

    private static readonly SemaphoreSlim InstallOnce = new(1, 1);

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        await EnsureChromiumAsync();
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
        return (playwright, browser);
    }

    /// <summary>
    /// <c>dotnet test</c> installs what it needs: on Debian, as root, a missing Chromium comes from apt. Anywhere
    /// else the message says what to install.
    /// </summary>
    private static async Task EnsureChromiumAsync()
    {
        await InstallOnce.WaitAsync();
        try
        {
            if (File.Exists(ChromiumPath))
            {
                return;
            }
            if (ChromiumPath == "/usr/bin/chromium" && File.Exists("/usr/bin/apt-get") && Environment.UserName == "root")
            {
                await RunAsync("apt-get", "update -qq");
                await RunAsync("apt-get", "install -y -qq chromium");
            }
            if (!File.Exists(ChromiumPath))
            {
                throw new InvalidOperationException(
                    $"Chromium not found at {ChromiumPath}. Install Debian's chromium package or set MYBLOG_CHROMIUM to a Chromium binary.");
            }
        }
        finally
        {
            InstallOnce.Release();
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
