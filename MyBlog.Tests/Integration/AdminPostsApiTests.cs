using Aspire.Hosting.Testing;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MyBlog.Api.Hosting;

namespace MyBlog.Tests.Integration;

[Collection(TestTopologyCollection.Name)]
public sealed class AdminPostsApiTests(TestTopology app)
{
    private static HttpRequestMessage Admin(HttpMethod method, string path, object? body = null, string? ifMatch = null, string? token = "") =>
        TestTopology.AdminRequest(method, path, body, ifMatch, token);

    /// <summary>
    /// A public list as a new reader sees it (a query the edge has not cached, as CloudFront keys on the query
    /// string), once <paramref name="ready"/>: lists show a change within seconds, not at once.
    /// </summary>
    private async Task<JsonElement> PublicListAsync(string query, Func<JsonElement, bool> ready)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var list = JsonDocument.Parse(await app.Site.GetStringAsync($"/api/posts?{query}&reader={Guid.NewGuid():N}")).RootElement;
            if (ready(list) || DateTime.UtcNow > deadline)
            {
                return list;
            }
            await Task.Delay(250);
        }
    }

    private async Task<JsonElement> CreateAsync(string title, string markdown = "Hello **world**", string[]? tags = null)
    {
        var response = await app.Site.SendAsync(Admin(HttpMethod.Post, "/api/admin/posts", new { title, markdown, tags = tags ?? ["news"] }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Admin_routes_answer_401_problem_without_or_with_a_wrong_token()
    {
        var none = await app.Site.SendAsync(Admin(HttpMethod.Get, "/api/admin/posts", token: null));
        var wrong = await app.Site.SendAsync(Admin(HttpMethod.Get, "/api/admin/posts", token: "wrong-token-wrong-token"));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", wrong.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Repeated_wrong_tokens_from_one_client_are_rate_limited()
    {
        var client = TestTopology.RandomClientIp();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 11; i++)
        {
            last = await app.Reader(client).SendAsync(TestTopology.AdminRequest(HttpMethod.Get, "/api/admin/posts", token: "guess-" + i));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.NotNull(last.Headers.RetryAfter);
    }

    [Fact]
    public async Task Creating_a_post_gives_a_slug_from_the_title_and_collisions_get_a_suffix()
    {
        var title = $"Hello, World {Guid.NewGuid():N}";
        var first = await CreateAsync(title);
        var second = await CreateAsync(title);

        Assert.Equal($"hello-world-{title[^32..]}", first.GetProperty("slug").GetString());
        Assert.Equal($"hello-world-{title[^32..]}-2", second.GetProperty("slug").GetString());
        Assert.Equal("draft", first.GetProperty("status").GetString());
        Assert.Equal(1, first.GetProperty("version").GetInt32());
        Assert.Contains("<strong>world</strong>", first.GetProperty("html").GetString());
    }

    [Fact]
    public async Task A_Korean_title_gives_a_readable_working_url()
    {
        var created = await CreateAsync($"안녕하세요 세계 {Random.Shared.Next(1_000_000)}");
        var slug = created.GetProperty("slug").GetString()!;
        Assert.StartsWith("안녕하세요-세계-", slug);

        var fetched = await app.Site.SendAsync(Admin(HttpMethod.Get, "/api/admin/posts/" + Uri.EscapeDataString(slug)));
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
    }

    [Fact]
    public async Task A_stale_update_is_refused_with_412_and_a_current_one_succeeds()
    {
        var created = await CreateAsync($"Concurrency {Guid.NewGuid():N}");
        var path = "/api/admin/posts/" + created.GetProperty("slug").GetString();
        var edit = new { title = "Edited", markdown = "v2", tags = new[] { "news" } };

        var ok = await app.Site.SendAsync(Admin(HttpMethod.Put, path, edit, ifMatch: "\"v1\""));
        var stale = await app.Site.SendAsync(Admin(HttpMethod.Put, path, edit, ifMatch: "\"v1\""));
        var missing = await app.Site.SendAsync(Admin(HttpMethod.Put, path, edit));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("\"v2\"", ok.Headers.ETag?.ToString());
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(await stale.Content.ReadAsStringAsync()).RootElement.GetProperty("currentVersion").GetInt32());
        Assert.Equal((HttpStatusCode)428, missing.StatusCode);
    }

    [Fact]
    public async Task Validation_errors_name_the_field_and_bodies_over_1_MB_are_413()
    {
        var invalid = await app.Site.SendAsync(Admin(HttpMethod.Post, "/api/admin/posts", new { title = "", markdown = "x", tags = new[] { "ok", new string('t', 41) } }));
        var huge = await app.Site.SendAsync(Admin(HttpMethod.Post, "/api/admin/posts", new { title = "Big", markdown = new string('x', 1_100_000) }));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("title", out _));
        Assert.True(errors.TryGetProperty("tags", out _));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
    }

    [Fact]
    public async Task Published_posts_appear_in_the_public_api_with_cache_headers_and_304()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var created = await CreateAsync($"Public {Guid.NewGuid():N}", "Some *text*", [tag]);
        var slug = created.GetProperty("slug").GetString()!;

        Assert.Equal(HttpStatusCode.NotFound, (await app.Site.GetAsync($"/api/posts/{slug}")).StatusCode);
        var published = await app.Site.SendAsync(Admin(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\""));
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);

        HttpResponseMessage get;
        var deadline = DateTime.UtcNow.AddSeconds(15); // the API's in-process cache holds a miss for 10 s
        while ((get = await app.Site.GetAsync($"/api/posts/{slug}")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Contains("s-maxage=", get.Headers.CacheControl!.ToString());
        var body = JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("<em>text</em>", body.GetProperty("html").GetString());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/posts/{slug}");
        conditional.Headers.IfNoneMatch.Add(get.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await app.Site.SendAsync(conditional)).StatusCode);

        var list = await PublicListAsync($"tag={tag}", l => l.GetProperty("items").GetArrayLength() > 0);
        Assert.Equal(slug, list.GetProperty("items")[0].GetProperty("slug").GetString());
    }

    [Fact]
    public async Task A_read_the_API_answered_moments_ago_is_answered_again_from_memory_exactly_as_the_endpoint_answered_it()
    {
        var slug = (await CreateAsync($"Held {Guid.NewGuid():N}", "Held *text*")).GetProperty("slug").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await app.Site.SendAsync(Admin(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\""))).StatusCode);
        var api = app.App.CreateHttpClient("api");
        async Task<HttpResponseMessage> AsCloudFrontAsync(HttpMethod method, string path, EntityTagHeaderValue? held = null)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Add(ViewerAddress.SecretHeader, TestTopology.OriginSecret);
            request.Headers.Add(ViewerAddress.AddressHeader, "203.0.113.40:443");
            if (held is not null)
            {
                request.Headers.IfNoneMatch.Add(held);
            }
            return await api.SendAsync(request);
        }
        static string[] HeadersOf(HttpResponseMessage response) =>
            [.. response.Headers.Concat(response.Content.Headers).Where(h => h.Key != "Date").Select(h => $"{h.Key}: {string.Join(", ", h.Value)}").Order()];

        // A query string is the endpoint's to read: this spelling always goes through routing and the endpoint.
        HttpResponseMessage routed;
        var deadline = DateTime.UtcNow.AddSeconds(15); // the API's in-process cache holds a miss for 10 s
        while ((routed = await AsCloudFrontAsync(HttpMethod.Get, $"/api/posts/{slug}?via=endpoint")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);

        using var fromMemory = await AsCloudFrontAsync(HttpMethod.Get, $"/api/posts/{slug}");
        Assert.Equal(HttpStatusCode.OK, fromMemory.StatusCode);
        Assert.Equal(HeadersOf(routed), HeadersOf(fromMemory));
        Assert.Equal(await routed.Content.ReadAsByteArrayAsync(), await fromMemory.Content.ReadAsByteArrayAsync());

        using var head = await AsCloudFrontAsync(HttpMethod.Head, $"/api/posts/{slug}");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(HeadersOf(routed), HeadersOf(head));
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        using var held = await AsCloudFrontAsync(HttpMethod.Get, $"/api/posts/{slug}", routed.Headers.ETag);
        Assert.Equal(HttpStatusCode.NotModified, held.StatusCode);
        Assert.Equal(routed.Headers.ETag, held.Headers.ETag);
        // The tag as a browser sends it back once CloudFront compressed the answer (and weakened its tag): the same 304.
        using var weakened = await AsCloudFrontAsync(HttpMethod.Get, $"/api/posts/{slug}", new EntityTagHeaderValue(routed.Headers.ETag!.Tag, isWeak: true));
        Assert.Equal(HttpStatusCode.NotModified, weakened.StatusCode);
        using var routedWeak = await AsCloudFrontAsync(HttpMethod.Get, $"/api/posts/{slug}?via=endpoint", new EntityTagHeaderValue(routed.Headers.ETag!.Tag, isWeak: true));
        Assert.Equal(HttpStatusCode.NotModified, routedWeak.StatusCode);

        // The edge's secret is still asked for, and other spellings of the path are still the endpoint's 404.
        using var unproven = await api.GetAsync($"/api/posts/{slug}");
        Assert.Equal(HttpStatusCode.Forbidden, unproven.StatusCode);
        using var shouted = await AsCloudFrontAsync(HttpMethod.Get, $"/API/posts/{slug}");
        Assert.Equal(HttpStatusCode.NotFound, shouted.StatusCode);
        using var slashed = await AsCloudFrontAsync(HttpMethod.Get, $"/api/posts/{slug}/");
        Assert.Equal(HttpStatusCode.NotFound, slashed.StatusCode);
    }

    [Fact]
    public async Task Cursor_pagination_walks_every_published_post_once()
    {
        var tag = "p" + Guid.NewGuid().ToString("N")[..8];
        var slugs = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var slug = (await CreateAsync($"Page {i} {Guid.NewGuid():N}", "x", [tag])).GetProperty("slug").GetString()!;
            await app.Site.SendAsync(Admin(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\""));
            slugs.Add(slug);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await PublicListAsync($"tag={tag}&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"), p => p.GetProperty("items").GetArrayLength() > 0);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("slug").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(slugs), seen);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Site.GetAsync("/api/posts?cursor=bm90LWEtY3Vyc29y")).StatusCode);
    }
}

[Collection(TestTopologyCollection.Name)]
public sealed class ApiReferenceTests(TestTopology app)
{
    [Fact]
    public async Task The_OpenAPI_document_lists_the_routes_and_the_reference_page_is_served_through_the_edge()
    {
        var document = System.Text.Json.JsonDocument.Parse(await app.Site.GetStringAsync("/api/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/subscribers", paths);
        Assert.Contains("/api/posts/{slug}", paths);
        Assert.Contains("/api/admin/posts/{slug}/publish", paths);
        Assert.Equal("/", document.GetProperty("servers")[0].GetProperty("url").GetString());

        var page = await app.Site.GetStringAsync("/api/reference/index.html");
        Assert.Contains("swagger-ui-bundle.js", page);
    }
}
