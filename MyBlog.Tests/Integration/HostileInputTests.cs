using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using MyBlog.Core.Storage;

namespace MyBlog.Tests.Integration;

/// <summary>
/// Requests an attacker (or a confused client) sends, through the edge as readers reach the site: each gets a clear
/// answer — a 4xx problem, a 404 page — never a 5xx, a redirect off the site, or the publisher's own files.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class HostileInputTests(TestTopology app)
{
    /// <summary>Sends a request line exactly as written (HttpClient would normalize the path first).</summary>
    private static async Task<(int Status, string Head, string Body)> RawGetAsync(string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, 8080);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: localhost:8080\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = response[..split];
        return (int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), head, response[(split + 4)..]);
    }

    [Theory]
    [InlineData("//evil.example")]
    [InlineData("//evil.example/path")]
    [InlineData("/\\evil.example")]
    [InlineData("/%5Cevil.example")]
    [InlineData("/%2F%2Fevil.example")]
    public async Task A_path_that_starts_like_another_site_is_a_404_never_a_redirect_off_site(string target)
    {
        var (status, head, _) = await RawGetAsync(target);
        Assert.Equal(404, status);
        Assert.DoesNotContain("Location:", head, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/_publisher/manifest.json")]
    [InlineData("//_publisher/manifest.json")]
    [InlineData("/%5Fpublisher/manifest.json")]
    [InlineData("/%5fpublisher%2Fmanifest.json")]
    [InlineData("/x/../_publisher/manifest.json")]
    [InlineData("/./_publisher/manifest.json")]
    [InlineData("/_publisher//manifest.json")]
    [InlineData("/_PUBLISHER/manifest.json")]
    public async Task The_publisher_s_manifest_is_not_served_however_its_path_is_spelled(string target)
    {
        var (status, _, body) = await RawGetAsync(target);
        Assert.Equal(404, status);
        Assert.DoesNotContain("index.html\":", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_address_without_its_slash_redirects_on_this_site_percent_encoded()
    {
        var (status, head, _) = await RawGetAsync("/posts/%EC%95%88%EB%85%95?x=1");
        Assert.Equal(301, status);
        Assert.Contains("Location: /posts/%EC%95%88%EB%85%95/?x=1", head, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("title", "{\"title\":\"Bad \\uFFFE\",\"markdown\":\"x\",\"tags\":[]}")]
    [InlineData("title", "{\"title\":\"Bad \\uD800\",\"markdown\":\"x\",\"tags\":[]}")]
    [InlineData("markdown", "{\"title\":\"Fine\",\"markdown\":\"nul \\u0000 here\",\"tags\":[]}")]
    [InlineData("markdown", "{\"title\":\"Fine\",\"markdown\":\"\\uFFFF\",\"tags\":[]}")]
    [InlineData("excerpt", "{\"title\":\"Fine\",\"markdown\":\"x\",\"excerpt\":\"\\u0008\",\"tags\":[]}")]
    [InlineData("tags", "{\"title\":\"Fine\",\"markdown\":\"x\",\"tags\":[\"a\\uDC00\"]}")]
    public async Task A_post_with_a_character_feeds_cannot_carry_is_a_400_naming_the_field(string field, string json)
    {
        using var request = TestTopology.AdminRequest(HttpMethod.Post, "/api/admin/posts");
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await app.Site.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        if (problem.TryGetProperty("errors", out var errors))
        {
            Assert.Equal([field], errors.EnumerateObject().Select(e => e.Name));
        }
        else
        {
            // A lone surrogate is not even valid JSON text: the JSON reader refuses it and says where.
            Assert.Contains($"$.{field}", problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Markdown_attributes_never_reach_the_html_the_public_api_returns()
    {
        var created = await app.AdminAsync(HttpMethod.Post, "/api/admin/posts",
            new { title = $"Attrs {Guid.NewGuid():N}", markdown = "![x](/a.png){onerror=alert(1)} and [l](/b){onclick=alert(2)}", tags = Array.Empty<string>() });
        Assert.Empty(EventHandlers(created.GetProperty("html").GetString()!));
        var slug = created.GetProperty("slug").GetString()!;
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");

        var html = JsonDocument.Parse(await app.Site.GetStringAsync($"/api/posts/{slug}")).RootElement.GetProperty("html").GetString()!;
        Assert.Empty(EventHandlers(html));
        Assert.Contains("{onerror=alert(1)}", html); // left as the text it is
    }

    private static List<string> EventHandlers(string html) =>
        new AngleSharp.Html.Parser.HtmlParser().ParseDocument($"<body>{html}</body>").Body!.QuerySelectorAll("*")
            .SelectMany(e => e.Attributes).Select(a => a.Name).Where(n => n.StartsWith("on", StringComparison.OrdinalIgnoreCase)).ToList();


    public static TheoryData<string> CraftedCursors => new()
    {
        Cursor(new() { ["pk"] = "POST#x", ["sk"] = "POST", ["gsi1pk"] = "POSTS#draft", ["gsi1sk"] = "2026-01-01T00:00:00.0000000+00:00#x" }),
        Cursor(new() { ["pk"] = "SUBSCRIBER#x", ["sk"] = "PROFILE", ["gsi1pk"] = "POSTS#published", ["gsi1sk"] = "x" }),
        Cursor(new() { ["pk"] = "", ["sk"] = "", ["gsi1pk"] = "", ["gsi1sk"] = "" }),
        Cursor(new() { ["pk"] = new string('x', 5000), ["sk"] = "POST", ["gsi1pk"] = "POSTS#published", ["gsi1sk"] = "y" }),
        Cursor(new() { ["pk"] = "POST#a", ["sk"] = "POST", ["gsi1pk"] = "POSTS#published", ["gsi1sk"] = "not-a-date#a" }),
        "not base64 !!",
        Convert.ToBase64String("[1,2,3]"u8.ToArray()),
    };

    private static string Cursor(Dictionary<string, string> key) => System.Buffers.Text.Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(key));

    [Theory]
    [MemberData(nameof(CraftedCursors))]
    public async Task A_crafted_pagination_cursor_is_the_client_s_400(string cursor)
    {
        using var response = await app.Site.GetAsync($"/api/posts?cursor={Uri.EscapeDataString(cursor)}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var admin = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, $"/api/admin/posts?status=published&cursor={Uri.EscapeDataString(cursor)}"));
        Assert.Equal(HttpStatusCode.BadRequest, admin.StatusCode);
    }

    [Fact]
    public async Task Delete_publish_and_unpublish_need_the_version_they_act_on()
    {
        var slug = (await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title = $"Versioned {Guid.NewGuid():N}", markdown = "x", tags = Array.Empty<string>() }))
            .GetProperty("slug").GetString()!;
        foreach (var (method, path) in new[] { (HttpMethod.Post, $"/api/admin/posts/{slug}/publish"), (HttpMethod.Post, $"/api/admin/posts/{slug}/unpublish"), (HttpMethod.Delete, $"/api/admin/posts/{slug}") })
        {
            using var missing = await app.Site.SendAsync(TestTopology.AdminRequest(method, path));
            Assert.Equal(HttpStatusCode.PreconditionRequired, missing.StatusCode);
            using var stale = await app.Site.SendAsync(TestTopology.AdminRequest(method, path, ifMatch: "\"v7\""));
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        }
        // A stale tab cannot delete what another tab published since.
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");
        using var staleDelete = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Delete, $"/api/admin/posts/{slug}", ifMatch: "\"v1\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleDelete.StatusCode);
        using var delete = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Delete, $"/api/admin/posts/{slug}", ifMatch: "\"v2\""));
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
    }

    [Theory]
    [InlineData("/api/posts")]
    [InlineData("/api/posts?tag=news")]
    [InlineData("/api/subscribers/pages.css")]
    [InlineData("/api/openapi/v1.json")]
    public async Task HEAD_answers_as_GET_does_without_a_body(string path)
    {
        using var get = await app.Site.GetAsync(path);
        using var head = await app.Site.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_tag_no_post_has_answers_an_empty_list()
    {
        var body = JsonDocument.Parse(await app.Site.GetStringAsync($"/api/posts?tag=nothing-{Guid.NewGuid():N}"[..40])).RootElement;
        Assert.Equal(0, body.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task The_edge_shares_api_answers_as_their_Cache_Control_says_and_never_an_admin_answer()
    {
        var path = $"/api/posts?limit=3&probe={Guid.NewGuid():N}";
        using var first = await app.Site.GetAsync(path);
        using var second = await app.Site.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.NotNull(second.Headers.Age); // served from the edge's cache
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);

        using var adminFirst = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, "/api/admin/posts?limit=1"));
        using var adminSecond = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, "/api/admin/posts?limit=1"));
        Assert.Null(adminSecond.Headers.Age);
        using var anonymous = await app.Site.GetAsync("/api/admin/posts?limit=1");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode); // the answer to a token is never reused without one
    }

    [Fact]
    public async Task Subscriber_pages_take_their_look_from_a_stylesheet_the_CSP_allows()
    {
        using var page = await app.Site.GetAsync($"/api/subscribers/{new string('a', 32)}/confirm?token=x");
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/api/subscribers/pages.css\">", html);
        Assert.Contains("style-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        using var css = await app.Site.GetAsync("/api/subscribers/pages.css");
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/favicon.ico", "image/x-icon")]
    [InlineData("/favicon.svg", "image/svg+xml")]
    public async Task The_site_has_an_icon_so_no_page_view_logs_a_404(string path, string type)
    {
        using var response = await app.Site.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<link rel=\"icon\" href=\"/favicon.svg\"", await app.Site.GetStringAsync("/"));
    }

    [Theory]
    [InlineData("-5\r\nabcde\r\n0\r\n\r\n")]
    [InlineData("zz\r\nabc\r\n0\r\n\r\n")]
    [InlineData("1g\r\na\r\n0\r\n\r\n")]
    [InlineData("fffffffffffffffff\r\nx\r\n0\r\n\r\n")]
    [InlineData("5\r\nabc")]
    public async Task A_malformed_aws_chunked_upload_is_a_400_from_the_S3_emulator_not_a_hang(string body)
    {
        using var http = new HttpClient { BaseAddress = app.App.GetEndpoint("s3", "http"), Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/{MyBlogBuckets.Uploads}/tests/chunked-{Guid.NewGuid():N}")
        {
            Content = new ByteArrayContent(Encoding.ASCII.GetBytes(body)),
        };
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
        request.Content.Headers.TryAddWithoutValidation("Content-Encoding", "aws-chunked");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var health = await http.GetAsync("/_emulator/health"); // still answering
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
