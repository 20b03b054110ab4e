using System.Net;
using System.Text.Json;

namespace MyBlog.Tests.Integration;

/// <summary>
/// Pages (About, Contact, Now): written like posts, published at top-level addresses, never in the lists, the feeds or
/// the newsletter, and linked from every page's navigation when the author says so — on the whole topology.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class PagesTests(TestTopology app)
{
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(20);

    private Task<(HttpStatusCode Status, string Body, string? Type)> EventuallyAsync(string path, Func<HttpStatusCode, string, bool> condition) =>
        TestTopology.EventuallyAsync(app.Site, path, condition, Visible);

    private static string NavLink(string path, string title) => $"<a href=\"{path}\">{title}</a>";

    [Fact]
    public async Task An_about_page_is_published_at_the_top_level_and_in_every_page_s_navigation_and_nowhere_else()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var postTitle = $"Before the page {tag}";
        var post = await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title = postTitle, markdown = "A post.", tags = new[] { "pages-tests" } });
        var postPath = post.GetProperty("url").GetString()!;
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{post.GetProperty("slug").GetString()}/publish?sendEmail=false", ifMatch: "\"v1\"");
        Assert.Equal(HttpStatusCode.OK, (await EventuallyAsync(postPath, (s, _) => s == HttpStatusCode.OK)).Status);

        var title = $"About {tag}";
        var page = await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title, markdown = "Who **writes** here.", kind = "page", inNavigation = true });
        var slug = page.GetProperty("slug").GetString()!;
        var path = $"/{slug}/";
        Assert.Equal(("page", true, path, false), (page.GetProperty("kind").GetString(), page.GetProperty("inNavigation").GetBoolean(),
            page.GetProperty("url").GetString(), page.GetProperty("sendEmail").GetBoolean()));
        var published = await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=true", ifMatch: "\"v1\"");
        Assert.False(published.GetProperty("sendEmail").GetBoolean()); // a page is never emailed

        var (status, body, _) = await EventuallyAsync(path, (s, _) => s == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<strong>writes</strong>", body);
        Assert.DoesNotContain("min read", body);
        Assert.Contains($"<a href=\"{path}\" aria-current=\"page\">{title}</a>", body);
        // Every page links it: the home page, and a post published before it.
        Assert.Contains(NavLink(path, title), (await EventuallyAsync("/", (_, b) => b.Contains(NavLink(path, title)))).Body);
        Assert.Contains(NavLink(path, title), (await EventuallyAsync(postPath, (_, b) => b.Contains(NavLink(path, title)))).Body);
        Assert.Contains(path, (await EventuallyAsync("/sitemap.xml", (_, b) => b.Contains(path))).Body);
        // Nowhere else: not in the feeds, the lists, the public API, and no newsletter.
        Assert.DoesNotContain(slug, (await app.Site.GetStringAsync("/feed.xml")));
        Assert.DoesNotContain(slug, (await app.Site.GetStringAsync("/rss.xml")));
        Assert.DoesNotContain($"href=\"{path}\">", (await app.Site.GetStringAsync("/")).Replace(NavLink(path, title), ""));
        Assert.DoesNotContain(slug, await app.Site.GetStringAsync("/api/posts?limit=50"));
        using (var job = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, $"/api/admin/posts/{slug}/newsletter")))
        {
            Assert.Equal(HttpStatusCode.NotFound, job.StatusCode);
        }
        var drafts = await app.AdminAsync(HttpMethod.Get, "/api/admin/posts?status=published&limit=100");
        Assert.DoesNotContain(drafts.GetProperty("items").EnumerateArray(), i => i.GetProperty("slug").GetString() == slug);
        var pages = await app.AdminAsync(HttpMethod.Get, "/api/admin/posts?kind=page&status=published&limit=100");
        Assert.Contains(pages.GetProperty("items").EnumerateArray(), i => i.GetProperty("slug").GetString() == slug);

        // Renamed: every page's link follows. Taken out of the navigation: the link goes, the page stays.
        var renamed = $"About us {tag}";
        var edit = await app.AdminAsync(HttpMethod.Put, $"/api/admin/posts/{slug}", new { title = renamed, markdown = "Who writes here.", inNavigation = true },
            ifMatch: $"\"v{published.GetProperty("version").GetInt32()}\"");
        Assert.Contains(NavLink(path, renamed), (await EventuallyAsync(postPath, (_, b) => b.Contains(NavLink(path, renamed)))).Body);
        var hidden = await app.AdminAsync(HttpMethod.Put, $"/api/admin/posts/{slug}", new { title = renamed, markdown = "Who writes here.", inNavigation = false },
            ifMatch: $"\"v{edit.GetProperty("version").GetInt32()}\"");
        Assert.DoesNotContain(path, (await EventuallyAsync("/", (_, b) => !b.Contains($"href=\"{path}\""))).Body);
        Assert.Equal(HttpStatusCode.OK, (await app.Site.GetAsync(path)).StatusCode);

        // Unpublished: the page goes too.
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/unpublish", ifMatch: $"\"v{hidden.GetProperty("version").GetInt32()}\"");
        Assert.Equal(HttpStatusCode.NotFound, (await EventuallyAsync(path, (s, _) => s == HttpStatusCode.NotFound)).Status);
    }

    [Fact]
    public async Task A_page_is_held_to_a_page_s_rules_and_never_takes_the_site_s_own_addresses()
    {
        async Task<HttpStatusCode> CreateAsync(object body)
        {
            using var response = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Post, "/api/admin/posts", body));
            return response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.BadRequest, await CreateAsync(new { title = "Tagged page", markdown = "x", kind = "page", tags = new[] { "a" } }));
        Assert.Equal(HttpStatusCode.BadRequest, await CreateAsync(new { title = "Odd", markdown = "x", kind = "chapter" }));
        Assert.Equal(HttpStatusCode.BadRequest, await CreateAsync(new { title = "A post", markdown = "x", inNavigation = true }));
        using (var list = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, "/api/admin/posts?kind=chapter")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, list.StatusCode);
        }

        foreach (var reserved in new[] { "Tags", "Posts", "Admin", "API" })
        {
            var page = await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title = reserved, markdown = "x", kind = "page" });
            var slug = page.GetProperty("slug").GetString()!;
            Assert.StartsWith(reserved.ToLowerInvariant() + "-", slug);
            await app.AdminAsync(HttpMethod.Delete, $"/api/admin/posts/{slug}", ifMatch: "\"v1\"");
        }
    }
}
