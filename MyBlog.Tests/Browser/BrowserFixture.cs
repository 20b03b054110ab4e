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

    /// <summary>The site's address with its name, localhost, for the loopback address a test client has.</summary>
    public static string ByName(Uri site) => new UriBuilder(site) { Host = "localhost" }.Uri.ToString().TrimEnd('/');

    /// <summary>
    /// The one-time setup as a new owner does it in the editor: the setup code, their name and address, then a passkey
    /// on the account page (the page gets a virtual authenticator first).
    /// </summary>
    public static async Task SetUpOwnerAsync(IPage page, string site)
    {
        await AddVirtualAuthenticatorAsync(page);
        await page.GotoAsync(site + "/admin/");
        await page.GetByLabel("Setup code").FillAsync(StaffSignIn.SetupCode);
        await page.GetByLabel("Owner's name").FillAsync("Olive Owner");
        await page.GetByLabel("Owner's email").FillAsync(StaffSignIn.OwnerEmail);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up" }).ClickAsync();
        await Assertions.Expect(page.Locator("#account-status")).ToContainTextAsync("Add a passkey now");
        await page.GetByLabel("Passkey name").FillAsync("Olive's laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
        await Assertions.Expect(page.Locator("#passkey-list")).ToContainTextAsync("Olive's laptop");
    }

    /// <summary>An API key made on the account page, as its owner copies it from there.</summary>
    public static async Task<string> CreateKeyInEditorAsync(IPage page, string name)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Account" }).ClickAsync();
        await page.GetByLabel("Key name", new() { Exact = true }).FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var key = page.Locator("#new-key-value code");
        await Assertions.Expect(key).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^myblog_"));
        await Assertions.Expect(page.Locator("#key-list")).ToContainTextAsync(name);
        return await key.InnerTextAsync();
    }

    /// <summary>A platform authenticator with a user-verifying screen lock that always says yes, as Chromium's DevTools make one.</summary>
    public static async Task AddVirtualAuthenticatorAsync(IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
    }


    /// <summary>Gives <paramref name="context"/> the owner's session cookie, as if they had signed in there.</summary>
    public static Task AsOwnerAsync(IBrowserContext context, string site) => context.AddCookiesAsync(
    [
        new Cookie { Name = StaffBrowser.CookieName, Value = StaffSignIn.Owner!.Cookie, Url = site, HttpOnly = true, SameSite = SameSiteAttribute.Strict },
    ]);
}
