using Microsoft.Playwright;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Browser;

/// <summary>
/// Playwright driving the machine's Chromium (Debian's <c>chromium</c> package; never a downloaded browser),
/// headless and without the sandbox, with the background-network features off so a test never waits on the internet.
/// </summary>
public static class BrowserFixture
{
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("MYBLOG_CHROMIUM") ?? "/usr/bin/chromium";

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

    /// <summary>A missing Chromium at the default path comes from Debian's package (DebianPackage); anywhere else the message says what to install.</summary>
    private static async Task EnsureChromiumAsync()
    {
        if (File.Exists(ChromiumPath) || (ChromiumPath == "/usr/bin/chromium" && await DebianPackage.EnsureAsync(ChromiumPath, "chromium")))
        {
            return;
        }
        throw new InvalidOperationException(
            $"Chromium not found at {ChromiumPath}. Install Debian's chromium package or set MYBLOG_CHROMIUM to a Chromium binary.");
    }
}
