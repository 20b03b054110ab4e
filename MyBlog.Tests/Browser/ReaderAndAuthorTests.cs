using Microsoft.Playwright;
using MyBlog.Tests.Integration;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Browser;

/// <summary>What a reader and an author do in a real browser, against the whole local topology.</summary>
[Collection(TestTopologyCollection.Name)]
public sealed class ReaderAndAuthorTests(TestTopology app) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync() => (_playwright, _browser) = await BrowserFixture.LaunchAsync();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private string Site => app.Site.BaseAddress!.ToString().TrimEnd('/');

    private async Task<string> PublishAsync(string title, string markdown)
    {
        var slug = (await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title, markdown, tags = new[] { "browser" } })).GetProperty("slug").GetString()!;
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");
        return slug;
    }

    /// <summary>The editor, signed in as the owner (the session the topology's setup made).</summary>
    private async Task<IPage> SignInToEditorAsync(IBrowserContext? context = null)
    {
        context ??= await _browser.NewContextAsync();
        await BrowserFixture.AsOwnerAsync(context, Site);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Site + "/admin/");
        await Assertions.Expect(page.Locator("#workspace")).ToBeVisibleAsync();
        return page;
    }


    private async Task GotoWhenPublishedAsync(IPage page, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var response = await page.GotoAsync(Site + path);
            if (response!.Ok || DateTime.UtcNow > deadline)
            {
                Assert.True(response.Ok, $"{path} answered {response.Status}");
                return;
            }
            await Task.Delay(300);
        }
    }

    [Fact]
    public async Task A_reader_opens_the_home_page_then_a_post_and_subscribes_through_the_form()
    {
        var title = $"Browser reading {Guid.NewGuid():N}";
        var slug = await PublishAsync(title, "A post **for readers**.");
        var page = await _browser.NewPageAsync();

        await page.GotoAsync(Site + "/");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await page.GetByRole(AriaRole.Link, new() { Name = title }).CountAsync() == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
            await page.ReloadAsync();
        }
        await page.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/posts/{slug}/$"));
        Assert.Equal(title, await page.Locator("article h1").InnerTextAsync());

        var address = TestTopology.NewAddress("browser-reader");
        await page.GetByLabel("Email").FillAsync(address);
        await page.GetByRole(AriaRole.Button, new() { Name = "Subscribe" }).ClickAsync();

        await Assertions.Expect(page.Locator("#subscribe-status")).ToContainTextAsync("Check your inbox");
        await app.Mail.WaitForAsync(address);
    }

    [Fact]
    public async Task Without_javascript_the_subscribe_form_explains_that_it_needs_it_and_mails_nobody()
    {
        // The form's proof of work is made by its script: a post without one (a script, or a browser without
        // JavaScript) subscribes nobody, and the page says why.
        var context = await _browser.NewContextAsync(new() { JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await page.GotoAsync(Site + "/");

        var address = TestTopology.NewAddress("browser-nojs");
        await page.GetByLabel("Email").FillAsync(address);
        await page.GetByRole(AriaRole.Button, new() { Name = "Subscribe" }).ClickAsync();

        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("JavaScript");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(await app.Mail.ToAsync(address));
    }

    [Fact]
    public async Task An_author_signs_in_writes_and_publishes_and_the_post_appears_on_the_site_and_in_the_subscribers_inboxes()
    {
        // A confirmed reader, to receive the post.
        var subscriber = TestTopology.NewAddress("editor-reader");
        await app.SubscribeAsync(new { email = subscriber });
        var welcome = await app.Mail.PlainTextAsync((await app.Mail.WaitForAsync(subscriber)).Id);
        (await app.Site.PostAsync(TestTopology.ConfirmLinkIn(welcome).PathAndQuery, null)).EnsureSuccessStatusCode();
        var page = await SignInToEditorAsync();

        var title = $"Written in the editor {Guid.NewGuid():N}";
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Tags").FillAsync("editor, browser");
        await page.GetByLabel("Markdown").FillAsync("Hello from the **editor**.\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        await Assertions.Expect(page.Locator("#preview strong")).ToHaveTextAsync("editor");

        await Assertions.Expect(page.GetByLabel("Email to subscribers")).ToBeCheckedAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Published");
        await Assertions.Expect(page.Locator("#published")).ToContainTextAsync(title);
        // The email's progress, as the author sees it, until every subscriber has an outcome; the choice is made.
        await Assertions.Expect(page.Locator("#newsletter")).ToContainTextAsync("Email: sent", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByLabel("Email to subscribers")).ToBeDisabledAsync();
        Assert.Contains(await app.Mail.ToAsync(subscriber), m => m.Subject == title);

        var reader = await _browser.NewPageAsync();
        var slug = title.ToLowerInvariant().Replace(' ', '-');
        await GotoWhenPublishedAsync(reader, $"/posts/{slug}/");
        Assert.Equal(title, await reader.Locator("article h1").InnerTextAsync());
        Assert.Equal("editor", await reader.Locator("article strong").InnerTextAsync());
        Assert.Equal(1, await reader.Locator("article table").CountAsync());
    }

    [Fact]
    public async Task A_draft_from_a_stranger_cannot_reach_the_editor_s_own_controls()
    {
        // An imported draft naming the editor's own elements, and the page's (what the preview would put beside them).
        var title = $"Clobbering draft {Guid.NewGuid():N}";
        var markdown = "<p id=\"send-email\" name=\"send-email\">x</p>\n\n<input type=\"checkbox\" id=\"send-email\" checked>\n\n" +
            "<a id=\"publish\" name=\"status\" href=\"#send-email\">y</a>\n\n# send-email";
        var slug = (await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title, markdown, tags = Array.Empty<string>() })).GetProperty("slug").GetString()!;
        var page = await SignInToEditorAsync();
        await page.Locator("#drafts").GetByText(title).ClickAsync();
        await Assertions.Expect(page.Locator("#preview a")).ToHaveCountAsync(1);

        // The editor's elements are its own: the post's ids are all under user-content-, and it names nothing.
        Assert.Equal("checkbox", await page.EvaluateAsync<string>("document.getElementById('send-email').type"));
        Assert.Equal("BUTTON", await page.EvaluateAsync<string>("document.getElementById('publish').tagName"));
        Assert.Equal(0, await page.Locator("#preview [name]").CountAsync());
        Assert.Equal(0, await page.EvaluateAsync<int>("[...document.querySelectorAll('#preview [id]')].filter(e => !e.id.startsWith('user-content-')).length"));

        // Unchecked in the editor, the email is not sent, whatever the draft says.
        await page.GetByLabel("Email to subscribers").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Published");
        using var newsletter = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, $"/api/admin/posts/{slug}/newsletter"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, newsletter.StatusCode);
    }

    [Fact]
    public async Task An_author_schedules_a_post_in_the_editor_and_it_publishes_itself_on_time()
    {
        // An author in Seoul: the editor takes their local time and sends the instant.
        await using var context = await _browser.NewContextAsync(new() { TimezoneId = "Asia/Seoul" });
        var page = await SignInToEditorAsync(context);

        var title = $"Scheduled in the editor {Guid.NewGuid():N}";
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Markdown").FillAsync("Out *on time*.");
        await page.GetByLabel("Email to subscribers").UncheckAsync();
        var at = DateTimeOffset.UtcNow.AddSeconds(20);
        await page.GetByLabel("Publish at").FillAsync(at.ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM-dd'T'HH:mm:ss"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Schedule", Exact = true }).ClickAsync();

        await Assertions.Expect(page.Locator("#scheduled")).ToContainTextAsync("Scheduled for");
        await Assertions.Expect(page.Locator("#drafts")).ToContainTextAsync(title);
        await Assertions.Expect(page.Locator("#drafts .scheduled")).Not.ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel schedule" })).ToBeVisibleAsync();
        var slug = title.ToLowerInvariant().Replace(' ', '-');
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await app.Site.GetAsync($"/posts/{slug}/")).StatusCode);
        var post = await app.AdminAsync(HttpMethod.Get, $"/api/admin/posts/{slug}");
        Assert.InRange(post.GetProperty("scheduledAt").GetDateTimeOffset() - at, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1));

        // At its time the post publishes itself; the editor, left open, sees it.
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Published on schedule", new() { Timeout = 45_000 });
        await Assertions.Expect(page.Locator("#published")).ToContainTextAsync(title);
        var reader = await _browser.NewPageAsync();
        await GotoWhenPublishedAsync(reader, $"/posts/{slug}/");
        Assert.Equal(title, await reader.Locator("article h1").InnerTextAsync());
        Assert.True(DateTimeOffset.UtcNow - at < TimeSpan.FromSeconds(15 + 15), "published too late");
    }

    [Fact]
    public async Task An_author_imports_an_old_blog_from_the_editor_and_opens_an_imported_post()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var zip = new Support.TestArchive()
            .Text($"content/posts/old-{tag}.md", $"---\ntitle: From the old blog {tag}\ndate: 2016-04-05\ntags: [old]\n---\nWritten *years* ago.\n")
            .Text($"content/posts/bad-{tag}.md", "+++\ntitle = \"unterminated\n+++\n")
            .ToBytes();
        var page = await SignInToEditorAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await page.GetByLabel("Archive to import").SetInputFilesAsync(new FilePayload { Name = "old-blog.zip", MimeType = "application/zip", Buffer = zip });

        await Assertions.Expect(page.Locator("#import-status")).ToContainTextAsync("Imported from hugo: 1 new", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#import-results tr.failed")).ToContainTextAsync("TOML");
        await page.GetByRole(AriaRole.Link, new() { Name = $"old-{tag}" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Title")).ToHaveValueAsync($"From the old blog {tag}");
        // Opened as it was imported: published (with its 2016 date, far down the published list).
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("(published, version 1)");
    }

    [Fact]
    public async Task An_author_drops_a_photo_into_the_editor_makes_it_the_cover_and_the_page_shows_it_through_the_edge()
    {
        var page = await SignInToEditorAsync();
        var errors = new List<string>();
        page.Console += (_, message) => errors.Add(message.Text);
        page.RequestFailed += (_, request) => errors.Add($"{request.Method} {request.Url} {request.Failure}");
        var title = $"Harbour photos {Guid.NewGuid():N}";
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Markdown").FillAsync("The harbour at dawn:\n\n");

        // A real drop: a File in a DataTransfer, dispatched on the text area as the browser does.
        var jpeg = Convert.ToBase64String(Support.TestImages.CameraJpeg(1500, 1000, orientation: 6));
        await page.Locator("#markdown").EvaluateAsync("""
            (area, base64) => {
              const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
              const data = new DataTransfer();
              data.items.add(new File([bytes], "harbour at dawn.jpg", { type: "image/jpeg" }));
              area.selectionStart = area.selectionEnd = area.value.length;
              area.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
            }
            """, jpeg);

        try
        {
            await Assertions.Expect(page.Locator("#markdown")).ToHaveValueAsync(
                new System.Text.RegularExpressions.Regex(@"!\[harbour at dawn\]\(/media/[0-9a-f]{32}/1000\.jpg\)"), new() { Timeout = 60_000 });
        }
        catch (PlaywrightException ex)
        {
            throw new Xunit.Sdk.XunitException($"Site {Site}: {ex.Message}\nUploads: {await page.Locator("#uploads").InnerTextAsync()}\nConsole: {string.Join("\n", errors)}");
        }
        await Assertions.Expect(page.Locator("#uploads")).ToContainTextAsync("ready, 1000×1500");
        await Assertions.Expect(page.Locator("#preview picture img")).ToHaveAttributeAsync("width", "1000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Use as cover" }).ClickAsync();
        await Assertions.Expect(page.Locator("#cover")).ToBeVisibleAsync();

        await page.GetByLabel("Email to subscribers").UncheckAsync(); // about photos, not email
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Published");

        var reader = await _browser.NewPageAsync();
        var slug = title.ToLowerInvariant().Replace(' ', '-');
        await GotoWhenPublishedAsync(reader, $"/posts/{slug}/");
        var pictures = reader.Locator("article picture img");
        Assert.Equal(2, await pictures.CountAsync()); // the cover and the photo in the text
        Assert.Null(await pictures.First.GetAttributeAsync("loading"));
        Assert.Equal("lazy", await pictures.Nth(1).GetAttributeAsync("loading"));
        await pictures.Nth(1).ScrollIntoViewIfNeededAsync();
        foreach (var index in new[] { 0, 1 })
        {
            var image = pictures.Nth(index);
            await Assertions.Expect(image).ToHaveJSPropertyAsync("complete", true);
            Assert.True(await image.EvaluateAsync<int>("img => img.naturalWidth") > 0, "the photo loaded");
            Assert.Matches(@"/media/[0-9a-f]{32}/\d+\.webp$", await image.EvaluateAsync<string>("img => img.currentSrc"));
        }
        Assert.Matches(@"/media/[0-9a-f]{32}/1000\.jpg$", await reader.Locator("meta[property='og:image']").GetAttributeAsync("content"));
    }

    [Fact]
    public async Task A_wrong_sign_in_link_in_the_editor_says_so_and_leaves_it_signed_out()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(Site + "/admin/#sign-in=" + new string('a', 32) + "." + new string('b', 43));
        await Assertions.Expect(page.Locator("#sign-in-error")).ToContainTextAsync("not valid any more");
        await Assertions.Expect(page.Locator("#workspace")).ToBeHiddenAsync();
        Assert.DoesNotContain("sign-in=", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_author_imports_a_list_finds_a_reader_exports_everyone_and_erases_the_reader()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var addresses = Enumerable.Range(0, 3).Select(i => $"br{tag}-{i}@example.com").ToList();
        var page = await SignInToEditorAsync();
        await Assertions.Expect(page.Locator("#subscriber-summary")).ToContainTextAsync("confirmed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Subscribers" }).ClickAsync();
        await Assertions.Expect(page.Locator("#subscriber-counts")).ToContainTextAsync("in all");

        var csv = "id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers\n"
            + string.Join("\n", addresses.Select((a, i) => $"{i},{a},Reader {i},,true,,,2024-01-01T00:00:00.000Z,,,"));
        await page.GetByLabel("Subscriber list to import").SetInputFilesAsync(new FilePayload
        {
            Name = "members.2026-12-06.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv),
        });
        await Assertions.Expect(page.Locator("#subscriber-import-status")).ToContainTextAsync("3 new subscribers", new() { Timeout = 60_000 });

        await page.GetByLabel("Address starts with").FillAsync($"br{tag}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var rows = page.Locator("#subscriber-list tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await Assertions.Expect(rows.First).ToContainTextAsync("confirmed");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Export CSV" }).ClickAsync());
        var exported = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("email,name,status,", exported);
        Assert.All(addresses, a => Assert.Contains($"{a},Reader ", exported));

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Erase {addresses[1]}" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#subscriber-list")).Not.ToContainTextAsync(addresses[1]);
    }

    [Fact]
    public async Task An_author_writes_an_about_page_in_the_editor_and_readers_find_it_in_the_navigation()
    {
        var page = await SignInToEditorAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New page" }).ClickAsync();
        var title = $"About {Guid.NewGuid():N}"[..14];
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Markdown").FillAsync("Who *writes* here.");
        // A page has no tags and is never emailed; it may be in the navigation (and is, unless the author says not).
        await Assertions.Expect(page.GetByLabel("Tags")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByLabel("Email to subscribers")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByLabel("In the navigation")).ToBeCheckedAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Published");
        await Assertions.Expect(page.Locator("#pages")).ToContainTextAsync(title);
        await Assertions.Expect(page.Locator("#published")).Not.ToContainTextAsync(title);

        var reader = await _browser.NewPageAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            await reader.GotoAsync(Site + "/");
            if (await reader.Locator("nav.site").GetByRole(AriaRole.Link, new() { Name = title }).CountAsync() > 0)
            {
                break;
            }
            await Task.Delay(500);
        }
        await reader.Locator("nav.site").GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        Assert.Equal(title, await reader.Locator("article h1").InnerTextAsync());
        Assert.Equal("writes", await reader.Locator("article em").InnerTextAsync());
        Assert.EndsWith($"/{title.ToLowerInvariant().Replace(' ', '-')}/", reader.Url);
    }

    [Fact]
    public async Task An_author_renames_the_site_in_the_settings_and_readers_see_the_new_name()
    {
        var page = await SignInToEditorAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Settings", Exact = true }).ClickAsync();
        var name = page.GetByLabel("Name of the site");
        await Assertions.Expect(name).Not.ToHaveValueAsync("");
        var before = await name.InputValueAsync();
        var renamed = $"Renamed {Guid.NewGuid():N}"[..16];
        try
        {
            await name.FillAsync(renamed);
            await page.GetByLabel("Header links").FillAsync("Projects /projects/");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
            await Assertions.Expect(page.Locator("#settings-status")).ToContainTextAsync("Saved");

            var reader = await _browser.NewPageAsync();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && await reader.TitleAsync() != renamed)
            {
                await reader.GotoAsync(Site + "/");
                await Task.Delay(500);
            }
            Assert.Equal(renamed, await reader.TitleAsync());
            await Assertions.Expect(reader.Locator("nav.site").GetByRole(AriaRole.Link, new() { Name = "Projects" })).ToHaveAttributeAsync("href", "/projects/");
        }
        finally
        {
            // Reopening reloads the form from the server; the status line is cleared only once that load is done.
            // Filling before then would be overwritten by the load, and the earlier "Saved" would pass the wait below
            // before this save has happened.
            await page.GetByRole(AriaRole.Button, new() { Name = "Settings", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("#settings-status")).ToHaveTextAsync("");
            await Assertions.Expect(name).ToHaveValueAsync(renamed);
            await name.FillAsync(before);
            await page.GetByLabel("Header links").FillAsync("");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
            await Assertions.Expect(page.Locator("#settings-status")).ToContainTextAsync("Saved");
            // Restored for the tests after this one (emails and pages carry the title).
            Assert.Equal(before, (await app.AdminAsync(HttpMethod.Get, "/api/admin/settings")).GetProperty("title").GetString());
        }
    }
}
