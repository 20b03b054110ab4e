using System.Net;
using System.Text.Json;

namespace MyBlog.Tests.Integration;

/// <summary>Publish → static pages through the stream, served and cached by the edge as CloudFront would.</summary>
[Collection(TestTopologyCollection.Name)]
public sealed class PublishingTests(TestTopology app)
{
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(15);

    private Task<JsonElement> AdminAsync(HttpMethod method, string path, object? body = null, string? ifMatch = null) =>
        app.AdminAsync(method, path, body, ifMatch);

    /// <summary>Polls the edge until the page at <paramref name="path"/> satisfies <paramref name="condition"/>.</summary>
    private async Task<(HttpStatusCode Status, string Body)> EventuallyAsync(string path, Func<HttpStatusCode, string, bool> condition)
    {
        var (status, body, _) = await TestTopology.EventuallyAsync(app.Site, path, condition, Visible);
        return (status, body);
    }

    [Fact]
    public async Task Publish_edit_and_unpublish_reach_the_edge_within_seconds()
    {
        var title = $"Static {Guid.NewGuid():N}";
        var created = await AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title, markdown = "First **version**", tags = new[] { "static-tests" } });
        var slug = created.GetProperty("slug").GetString()!;
        var path = $"/posts/{slug}/";

        var published = await AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");
        var page = await EventuallyAsync(path, (s, b) => s == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("<strong>version</strong>", page.Body);
        Assert.Contains($"<link rel=\"canonical\" href=\"http://localhost:8080{path}\"", page.Body);
        Assert.Contains("property=\"og:title\"", page.Body);
        Assert.Contains("id=\"subscribe\"", page.Body);
        Assert.Contains(title, (await EventuallyAsync("/", (s, b) => b.Contains(title))).Body);
        Assert.Contains(title, (await EventuallyAsync("/tags/static-tests/", (s, b) => b.Contains(title))).Body);
        Assert.Contains(slug, (await EventuallyAsync("/feed.xml", (s, b) => b.Contains(slug))).Body);
        Assert.Contains(slug, (await EventuallyAsync("/sitemap.xml", (s, b) => b.Contains(slug))).Body);

        // The page is now cached at the edge; an edit must still show within seconds (invalidation).
        var edit = await AdminAsync(HttpMethod.Put, $"/api/admin/posts/{slug}",
            new { title, markdown = "Second *edit*", tags = new[] { "static-tests" } }, ifMatch: $"\"v{published.GetProperty("version").GetInt32()}\"");
        var edited = await EventuallyAsync(path, (s, b) => b.Contains("<em>edit</em>"));
        Assert.Contains("<em>edit</em>", edited.Body);

        await AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/unpublish", ifMatch: $"\"v{edit.GetProperty("version").GetInt32()}\"");
        var gone = await EventuallyAsync(path, (s, b) => s == HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Contains("Page not found", gone.Body);
        Assert.DoesNotContain(title, (await EventuallyAsync("/", (s, b) => !b.Contains(title))).Body);
    }

    [Fact]
    public async Task Deleting_a_published_post_removes_its_page()
    {
        var created = await AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title = $"Doomed {Guid.NewGuid():N}", markdown = "bye" });
        var slug = created.GetProperty("slug").GetString()!;
        await AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");
        Assert.Equal(HttpStatusCode.OK, (await EventuallyAsync($"/posts/{slug}/", (s, b) => s == HttpStatusCode.OK)).Status);

        await AdminAsync(HttpMethod.Delete, $"/api/admin/posts/{slug}", ifMatch: "\"v2\"");

        Assert.Equal(HttpStatusCode.NotFound, (await EventuallyAsync($"/posts/{slug}/", (s, b) => s == HttpStatusCode.NotFound)).Status);
    }

    [Fact]
    public async Task A_repeat_GET_with_the_ETag_is_304_and_pages_are_compressed()
    {
        var first = await app.Site.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("s-maxage=", first.Headers.CacheControl!.ToString());

        using var again = new HttpRequestMessage(HttpMethod.Get, "/");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await app.Site.SendAsync(again)).StatusCode);

        using var compressed = new HttpRequestMessage(HttpMethod.Get, "/");
        compressed.Headers.AcceptEncoding.ParseAdd("br");
        var response = await app.Site.SendAsync(compressed);
        Assert.Equal("br", response.Content.Headers.ContentEncoding.Single());
    }

    /// <summary>
    /// The first answer for a new page comes the whole way (routing, the bucket); the next from the edge's memory,
    /// in front of the hosting layer. Both say the same: every header but the date and age, and the same 304 and compressed forms.
    /// </summary>
    [Fact]
    public async Task A_page_served_from_the_edge_s_memory_answers_as_the_first_answer_did()
    {
        var created = await AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title = $"Hot {Guid.NewGuid():N}", markdown = "From *memory*", tags = new[] { "static-tests" } });
        var slug = created.GetProperty("slug").GetString()!;
        await AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");
        var path = $"/posts/{slug}/";
        HttpResponseMessage first;
        var deadline = DateTime.UtcNow + Visible;
        while ((first = await app.Site.GetAsync(path)).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var again = await app.Site.GetAsync(path);

        static Dictionary<string, string> Headers(HttpResponseMessage response) => response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key is not ("Date" or "Age"))
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value));
        Assert.Equal(Headers(first).OrderBy(h => h.Key), Headers(again).OrderBy(h => h.Key));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Contains("<em>memory</em>", await again.Content.ReadAsStringAsync());

        using var head = new HttpRequestMessage(HttpMethod.Head, path);
        var headed = await app.Site.SendAsync(head);
        Assert.Equal((HttpStatusCode.OK, first.Content.Headers.ContentLength), (headed.StatusCode, headed.Content.Headers.ContentLength));
        Assert.Empty(await headed.Content.ReadAsByteArrayAsync());
        using var conditional = new HttpRequestMessage(HttpMethod.Get, path);
        conditional.Headers.IfNoneMatch.Add(again.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await app.Site.SendAsync(conditional)).StatusCode);
        using var compressed = new HttpRequestMessage(HttpMethod.Get, path);
        compressed.Headers.AcceptEncoding.ParseAdd("gzip");
        var gzipped = await app.Site.SendAsync(compressed);
        Assert.Equal(("gzip", $"W/{again.Headers.ETag}"), (gzipped.Content.Headers.ContentEncoding.Single(), gzipped.Headers.ETag!.ToString()));
        using (var unzipped = new StreamReader(new System.IO.Compression.GZipStream(await gzipped.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress)))
        {
            Assert.Equal(await again.Content.ReadAsStringAsync(), await unzipped.ReadToEndAsync());
        }
        // Without the slash, the whole way: the site's address for it.
        var bare = await app.Site.GetAsync(path.TrimEnd('/'));
        Assert.Equal(HttpStatusCode.OK, bare.StatusCode);
        Assert.Equal(path, bare.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Assets_are_content_hashed_and_immutable_and_security_headers_are_sent()
    {
        var home = await app.Site.GetAsync("/");
        var html = await home.Content.ReadAsStringAsync();
        var css = System.Text.RegularExpressions.Regex.Match(html, "/assets/site\\.[0-9a-f]{12}\\.css").Value;
        Assert.NotEmpty(css);

        var asset = await app.Site.GetAsync(css);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Contains("immutable", asset.Headers.CacheControl!.ToString());
        Assert.Equal("text/css", asset.Content.Headers.ContentType!.MediaType);

        var csp = home.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp);
        // Imported posts show images where their old blog kept them, over HTTPS only; scripts come from the site alone.
        var directives = csp.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d.Split(' ')[1..]);
        Assert.Equal(["'self'", "data:", "https:"], directives["img-src"]);
        Assert.Equal(["'self'"], directives["script-src"]);
        Assert.Equal("nosniff", home.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.NotEmpty(home.Headers.GetValues("Referrer-Policy"));
    }

    [Fact]
    public async Task The_bucket_is_reachable_only_through_the_edge_and_internals_are_not_served()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await app.Site.GetAsync("/_publisher/manifest.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Site.GetAsync("/robots.txt/../_publisher/manifest.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Site.GetAsync("/robots.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Site.GetAsync("/admin/")).StatusCode);
    }
}
