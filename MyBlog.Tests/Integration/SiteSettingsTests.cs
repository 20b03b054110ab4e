using System.Net;
using System.Text.Json;
using MyBlog.Core.Storage;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The site's settings, edited through the admin API and shown on every page once saved, on the whole topology.
/// The test puts back the settings it found (the collection's tests run one after another).
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class SiteSettingsTests(TestTopology app)
{
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(30);

    private Task<(HttpStatusCode Status, string Body, string? Type)> EventuallyAsync(string path, Func<HttpStatusCode, string, bool> condition) =>
        TestTopology.EventuallyAsync(app.Site, path, condition, Visible);

    private async Task<HttpResponseMessage> PutAsync(object body, string? ifMatch) =>
        await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Put, "/api/admin/settings", body, ifMatch));

    [Fact]
    public async Task A_new_title_and_links_reach_every_page_and_the_feeds_and_the_assets_are_not_rewritten()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var post = await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title = $"Settled {tag}", markdown = "x" });
        var postPath = post.GetProperty("url").GetString()!;
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{post.GetProperty("slug").GetString()}/publish?sendEmail=false", ifMatch: "\"v1\"");
        Assert.Equal(HttpStatusCode.OK, (await EventuallyAsync(postPath, (s, _) => s == HttpStatusCode.OK)).Status);

        using var read = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, "/api/admin/settings"));
        var before = JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement;
        var etag = read.Headers.ETag!.Tag;
        using var s3 = app.S3();
        var css = (await app.Site.GetStringAsync("/")).Split('"').First(p => p.StartsWith("/assets/site.", StringComparison.Ordinal));
        var cssWritten = (await s3.GetObjectMetadataAsync(MyBlogBuckets.Site, css.TrimStart('/'))).LastModified;

        var title = $"Ada notes {tag}";
        using (var saved = await PutAsync(new
        {
            title, description = $"On engines {tag}.", authorName = "Ada", language = "en-GB", footer = $"Written by hand {tag}.",
            navigation = new[] { new { label = $"Projects {tag}", url = "/projects/" } },
            social = new[] { new { label = "Mastodon", url = "https://mastodon.example/@ada" } },
        }, etag))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
            Assert.NotEqual(etag, saved.Headers.ETag!.Tag);
            etag = saved.Headers.ETag!.Tag;
        }

        try
        {
            var home = (await EventuallyAsync("/", (_, b) => b.Contains(title))).Body;
            Assert.Contains($"<title>{title}</title>", home);
            Assert.Contains("<html lang=\"en-GB\">", home);
            Assert.Contains($"content=\"On engines {tag}.\"", home);
            Assert.Contains($"<a href=\"/projects/\">Projects {tag}</a>", home);
            Assert.Contains($"Written by hand {tag}.", home);
            Assert.Contains("<a href=\"https://mastodon.example/@ada\" rel=\"me noopener\">Mastodon</a>", home);
            Assert.Contains($"— {title}</title>", (await EventuallyAsync(postPath, (_, b) => b.Contains(title))).Body);
            Assert.Contains(title, (await EventuallyAsync("/feed.xml", (_, b) => b.Contains(title))).Body);
            Assert.Contains(title, (await EventuallyAsync("/404.html", (_, b) => b.Contains(title))).Body);
            // Emails name the site as the settings do.
            var reader = TestTopology.NewAddress("settings-reader");
            using (var subscribed = await app.SubscribeAsync(new { email = reader }))
            {
                Assert.Equal(HttpStatusCode.Accepted, subscribed.StatusCode);
            }
            Assert.StartsWith($"Welcome to {title} — ", (await app.Mail.WaitForAsync(reader)).Subject, StringComparison.Ordinal);
            // What does not show the settings is not written again.
            Assert.Equal(cssWritten, (await s3.GetObjectMetadataAsync(MyBlogBuckets.Site, css.TrimStart('/'))).LastModified);

            // A change made from an older version is refused, and so is what a browser would run or leave the site for.
            using (var stale = await PutAsync(new { title = "Stale" }, "\"v0\""))
            {
                Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
            }
            using (var unversioned = await PutAsync(new { title = "No version" }, null))
            {
                Assert.Equal(HttpStatusCode.PreconditionRequired, unversioned.StatusCode);
            }
            foreach (var url in new[] { "javascript:alert(1)", "//evil.example/", "http://plain.example/", "data:text/html,x", "/a b" })
            {
                using var bad = await PutAsync(new { title, navigation = new[] { new { label = "x", url } } }, etag);
                Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)bad.StatusCode}");
                Assert.Contains("navigation", await bad.Content.ReadAsStringAsync());
            }
            using (var noTitle = await PutAsync(new { title = " ", language = "not a language" }, etag))
            {
                var problem = await noTitle.Content.ReadAsStringAsync();
                Assert.Equal(HttpStatusCode.BadRequest, noTitle.StatusCode);
                Assert.Contains("\"title\"", problem);
                Assert.Contains("\"language\"", problem);
            }
            using (var notAPhoto = await PutAsync(new { title, authorPhotoId = new string('a', 32) }, etag))
            {
                Assert.Equal(HttpStatusCode.BadRequest, notAPhoto.StatusCode);
            }
        }
        finally
        {
            using var restored = await PutAsync(new
            {
                title = before.GetProperty("title").GetString(),
                language = before.GetProperty("language").GetString(),
            }, etag);
            Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
            await EventuallyAsync("/", (_, b) => !b.Contains(title));
        }
    }
}
