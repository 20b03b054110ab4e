using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MyBlog.Tests.Integration;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Browser;

/// <summary>
/// People signing in, in a real browser against the whole topology: an owner invites an author, who signs in by the
/// invitation's link, adds a passkey (Chromium's virtual authenticator), signs in with it and by an emailed link,
/// publishes, cannot reach what only owners may, and is signed out at once where they revoke a session; a page on
/// another site cannot act with an owner's session.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class StaffBrowserTests(TestTopology app) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync() => (_playwright, _browser) = await BrowserFixture.LaunchAsync();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    /// <summary>The site by its name (passkeys belong to a domain, never to an IP address like the test client's).</summary>
    private string Site => BrowserFixture.ByName(app.Site.BaseAddress!);

    private static Task<int> StatusOfAsync(IPage page, string method, string path, string? body = null) => page.EvaluateAsync<int>(
        """
        async ([method, path, body]) => (await fetch(path, { method, body, credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-MyBlog-CSRF": state.csrf ?? "" } })).status
        """, new object?[] { method, path, body });

    [Fact]
    public async Task An_invited_author_signs_in_by_link_and_passkey_publishes_is_kept_from_owner_pages_and_a_revoked_session_stops_at_once()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var author = $"author-{tag}@example.com";

        // The owner invites an author from the Staff page.
        await using var ownerContext = await _browser.NewContextAsync();
        await BrowserFixture.AsOwnerAsync(ownerContext, Site);
        var owner = await ownerContext.NewPageAsync();
        await owner.GotoAsync(Site + "/admin/");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Staff", Exact = true }).ClickAsync();
        await owner.GetByLabel("Invitee's name").FillAsync("Ada Author");
        await owner.GetByLabel("Invitee's address").FillAsync(author);
        await owner.GetByLabel("Role").SelectOptionAsync("author");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Send invitation" }).ClickAsync();
        await Assertions.Expect(owner.Locator("#staff-status")).ToContainTextAsync($"Invitation sent to {author}");
        await Assertions.Expect(owner.Locator("#staff-list")).ToContainTextAsync("invited");
        // Not signed in yet: the owner can send the invitation again (either link works).
        await owner.GetByRole(AriaRole.Button, new() { Name = "Resend the invitation to Ada Author" }).ClickAsync();
        await Assertions.Expect(owner.Locator("#staff-status")).ToContainTextAsync($"A new invitation is on its way to {author}");

        // The invitation's link signs the author in, as an author: no settings, subscribers or staff for them.
        await using var laptop = await _browser.NewContextAsync();
        var page = await laptop.NewPageAsync();
        await BrowserFixture.AddVirtualAuthenticatorAsync(page);
        await page.GotoAsync(await app.Mail.SignInLinkAsync(author, "Olive Owner invited you"));
        await Assertions.Expect(page.Locator("#workspace")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#signed-in-as")).ToHaveTextAsync("Ada Author (author)");
        Assert.DoesNotContain("sign-in=", page.Url, StringComparison.Ordinal);
        foreach (var ownerOnly in new[] { "Settings", "Subscribers", "Staff" })
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = ownerOnly, Exact = true })).ToBeHiddenAsync();
        }
        Assert.Equal(403, await StatusOfAsync(page, "PUT", "/api/admin/settings", """{"title": "Taken over", "version": 0}"""));
        Assert.Equal(403, await StatusOfAsync(page, "GET", "/api/admin/subscribers"));
        Assert.Equal(403, await StatusOfAsync(page, "POST", "/api/admin/staff", $$"""{"email": "friend-{{tag}}@example.com", "name": "Friend", "role": "owner"}"""));

        // A passkey, then signing out and back in with it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Account" }).ClickAsync();
        await page.GetByLabel("Passkey name").FillAsync("Ada's laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
        await Assertions.Expect(page.Locator("#account-status")).ToContainTextAsync("Passkey added");
        await Assertions.Expect(page.Locator("#passkey-list")).ToContainTextAsync("Ada's laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        await Assertions.Expect(page.Locator("#signed-in-as")).ToHaveTextAsync("Ada Author (author)");

        // The author writes and publishes.
        var title = $"Written by an author {tag}";
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Markdown").FillAsync("By *Ada*.");
        await page.GetByLabel("Email to subscribers").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Published");
        var slug = await page.EvaluateAsync<string>("state.slug");
        await TestTopology.EventuallyAsync(app.Site, $"/posts/{slug}/", (status, body) => status == System.Net.HttpStatusCode.OK && body.Contains(title, StringComparison.Ordinal),
            TimeSpan.FromSeconds(20));

        // On a second computer, by a link asked for at the sign-in page.
        await using var desktop = await _browser.NewContextAsync();
        // Its editor's lists load slowly (a busy moment): "signed in as" must not show before the workspace is there, or
        // the session ended below would end a sign-in still under way, and the workspace would never come.
        await desktop.RouteAsync(new Regex(@"/api/admin/posts\?kind="), async route =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await route.ContinueAsync();
        });
        var other = await desktop.NewPageAsync();
        await other.GotoAsync(Site + "/admin/");
        await other.GetByLabel("Email address").FillAsync(author);
        await other.GetByRole(AriaRole.Button, new() { Name = "Email me a sign-in link" }).ClickAsync();
        await Assertions.Expect(other.Locator("#sign-in-status")).ToContainTextAsync("If that address belongs to someone");
        await other.GotoAsync(await app.Mail.SignInLinkAsync(author, "Your sign-in link"));
        await Assertions.Expect(other.Locator("#signed-in-as")).ToHaveTextAsync("Ada Author (author)");

        // From the laptop, the author signs the second computer out; its very next request is refused.
        await page.GetByRole(AriaRole.Button, new() { Name = "Account" }).ClickAsync();
        var rows = page.Locator("#session-list tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await rows.Filter(new() { HasText = "EmailLink" }).GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.Locator("#account-status")).ToContainTextAsync("signed out");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        Assert.Equal(401, await StatusOfAsync(other, "GET", "/api/admin/posts?limit=1"));
        await other.GetByRole(AriaRole.Button, new() { Name = "Account" }).ClickAsync();
        await Assertions.Expect(other.Locator("#sign-in-error")).ToContainTextAsync("Your session has ended");
        Assert.Equal(200, await StatusOfAsync(page, "GET", "/api/admin/posts?limit=1"));
    }

    [Fact]
    public async Task A_form_on_another_site_posting_with_the_owners_session_changes_nothing()
    {
        var attacker = $"attacker-{Guid.NewGuid():N}@example.com";
        // text/plain is one of the encodings a form may send across sites without asking; its body can be made to look like JSON.
        var page = $$"""
            <!doctype html><html><body>
            <form id="f" method="post" action="{{Site}}/api/admin/staff" enctype="text/plain">
              <input name='{"email": "{{attacker}}", "name": "Mallory", "role": "owner", "pad": "' value='"}'>
            </form>
            <script>
              fetch("{{Site}}/api/admin/staff", { method: "POST", mode: "no-cors", credentials: "include",
                headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ email: "{{attacker}}", name: "Mallory", role: "owner" }) })
                .finally(() => document.getElementById("f").submit());
            </script>
            </body></html>
            """;
        using var evil = new LocalHttpServer(async context =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(page));
        });
        await using var context = await _browser.NewContextAsync();
        await BrowserFixture.AsOwnerAsync(context, Site);
        var victim = await context.NewPageAsync();
        var formAnswer = victim.WaitForResponseAsync(r => r.Url == Site + "/api/admin/staff" && r.Request.ResourceType == "document");
        await victim.GotoAsync(evil.Url);
        Assert.InRange((await formAnswer).Status, 400, 499);

        var staff = await TestTopology.AdminAsync(app.Site, HttpMethod.Get, "/api/admin/staff");
        Assert.DoesNotContain(staff.GetProperty("items").EnumerateArray(), p => p.GetProperty("email").GetString() == attacker);
        // The owner's session still works from the editor itself.
        var editor = await context.NewPageAsync();
        await editor.GotoAsync(Site + "/admin/");
        await Assertions.Expect(editor.Locator("#signed-in-as")).ToContainTextAsync("(owner)");
    }
}
