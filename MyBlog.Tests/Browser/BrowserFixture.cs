using Microsoft.Playwright;

namespace MyBlog.Tests.Browser;

/// <summary>
/// Playwright driving the machine's Chromium (Debian's <c>chromium</c> package; never a downloaded browser),
/// headless and without the sandbox, with the background-network features off since this machine has no internet.
/// </summary>
public static class BrowserFixture
{
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("MYBLOG_CHROMIUM") ?? "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium not found at {ChromiumPath}. Install Debian's chromium package (.ci/run does) or set MYBLOG_CHROMIUM.");
        }
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
}
