using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using MyBlog.Api.Hosting;

namespace MyBlog.Tests.Integration;

[Collection(TestTopologyCollection.Name)]
public sealed class SubscribeApiTests(TestTopology app)
{
    private Task<HttpResponseMessage> PostRawAsync(string body, string contentType, string? clientIp = null) =>
        app.Reader(clientIp ?? TestTopology.RandomClientIp()).PostAsync("/api/subscribers", new StringContent(body, Encoding.UTF8, contentType));

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Invalid_address_is_a_400_problem_naming_the_field()
    {
        var response = await app.SubscribeAsync(new { email = "not-an-address" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out var messages));
        Assert.Contains("@", messages[0].GetString());
    }

    [Fact]
    public async Task Header_injection_in_the_address_is_refused()
    {
        var response = await app.SubscribeAsync(new { email = "ada@example.com\r\nBcc: everyone@example.com" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("control characters", (await ProblemAsync(response)).GetProperty("errors").GetProperty("email")[0].GetString());
    }

    [Theory]
    [InlineData("{\"email\": ")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"email\": 42}")]
    public async Task Malformed_json_is_a_400_problem(string body)
    {
        var response = await PostRawAsync(body, "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, (await ProblemAsync(response)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Missing_body_is_a_400_problem()
    {
        var response = await PostRawAsync("", "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await ProblemAsync(response);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"No {name} header");

    [Fact]
    public async Task Wrong_content_type_is_415()
    {
        var response = await PostRawAsync("email=ada@example.com", "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await ProblemAsync(response);
    }

    [Fact]
    public async Task Body_over_4_KB_is_413()
    {
        var response = await app.SubscribeAsync(new { email = "ada@example.com", name = new string('x', 5000) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await ProblemAsync(response);
    }

    [Fact]
    public async Task Sixth_subscribe_in_a_minute_from_one_client_is_429_with_Retry_After_and_every_answer_says_what_is_left()
    {
        var client = TestTopology.RandomClientIp();
        for (var i = 0; i < 5; i++)
        {
            var ok = await app.SubscribeAsync(new { email = TestTopology.NewAddress("limit") }, client);
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
            Assert.Equal("5", Header(ok, "RateLimit-Limit"));
            Assert.Equal((4 - i).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(ok, "RateLimit-Remaining"));
            Assert.InRange(int.Parse(Header(ok, "RateLimit-Reset"), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
            Assert.Equal("5;w=60", Header(ok, "RateLimit-Policy"));
        }
        var limited = await app.SubscribeAsync(new { email = TestTopology.NewAddress("limit") }, client);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("0", Header(limited, "RateLimit-Remaining"));
        await ProblemAsync(limited);
        // Another reader is not affected.
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubscribeAsync(new { email = TestTopology.NewAddress("limit") })).StatusCode);
    }

    [Fact]
    public async Task A_reader_cannot_pick_another_rate_limit_partition_by_naming_an_address()
    {
        var reader = app.Reader(TestTopology.RandomClientIp());
        HttpResponseMessage last = null!;
        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(new { email = TestTopology.NewAddress("spoof") }) };
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            request.Headers.Add("CloudFront-Viewer-Address", $"198.51.100.{i + 1}:443");
            request.Headers.Add("X-MyBlog-Origin", "a guess");
            last = await reader.SendAsync(request);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
    }

    [Fact]
    public async Task The_API_refuses_whatever_does_not_come_through_the_edge_and_believes_the_edge_s_reader_address()
    {
        var api = app.App.CreateHttpClient("api");
        using var direct = await api.PostAsync("/api/subscribers", JsonContent.Create(new { email = TestTopology.NewAddress("direct") }));
        Assert.Equal(HttpStatusCode.Forbidden, direct.StatusCode);
        await ProblemAsync(direct);
        using var guessed = new HttpRequestMessage(HttpMethod.Get, "/api/posts");
        guessed.Headers.Add("X-MyBlog-Origin", "not the secret");
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(guessed)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/health")).StatusCode); // the adapter's readiness probe is local
        // Route 53's health checks send no secret: the region's health (its table read) answers them.
        using var region = await api.GetAsync(MyBlog.Core.HealthPaths.Region);
        Assert.Equal(HttpStatusCode.OK, region.StatusCode);
        Assert.Equal("Healthy", await region.Content.ReadAsStringAsync());

        // As CloudFront sends them: the secret, and each reader's address — which alone picks the partition.
        var secret = TestTopology.OriginSecret;
        async Task<HttpStatusCode> AsCloudFrontAsync(string viewer)
        {
            var body = await TestTopology.WithProofAsync(app.Site, new { email = TestTopology.NewAddress("viewer") });
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(body) };
            request.Headers.Add("X-MyBlog-Origin", secret);
            request.Headers.Add("CloudFront-Viewer-Address", viewer);
            request.Headers.Add("X-Forwarded-For", $"192.0.2.{Random.Shared.Next(1, 255)}");
            return (await api.SendAsync(request)).StatusCode;
        }
        // One home's /64 is one reader, whichever of its 2^64 addresses a request comes from; the next /64 is another.
        var home = $"2001:db8:{Random.Shared.Next(1, 65535):x}:{Random.Shared.Next(1, 65535):x}";
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, await AsCloudFrontAsync($"{home}:{Random.Shared.Next(1, 65535):x}::{i + 1}:51234"));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await AsCloudFrontAsync($"{home}:ffff:ffff:ffff:ffff:51234"));
        Assert.Equal(HttpStatusCode.Accepted, await AsCloudFrontAsync($"2001:db8:{Random.Shared.Next(1, 65535):x}:{Random.Shared.Next(1, 65535):x}::1:51234"));
        Assert.Equal(HttpStatusCode.Accepted, await AsCloudFrontAsync($"203.0.113.{Random.Shared.Next(1, 255)}:40000"));
    }

    [Theory]
    [InlineData("/API/subscribers")]
    [InlineData("/api/Subscribers")]
    [InlineData("/api/subscribers/")]
    [InlineData("/api//subscribers")]
    public async Task The_subscribe_route_answers_at_one_spelling_only_as_API_Gateway_s_throttle_matches_it(string path)
    {
        var body = await TestTopology.WithProofAsync(app.Site, new { email = TestTopology.NewAddress("spelling") });
        using var response = await app.Reader(TestTopology.RandomClientIp()).PostAsync(path, JsonContent.Create(body));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await ProblemAsync(response);
    }

    [Fact]
    public async Task A_subscribe_without_a_proof_of_work_for_its_own_address_is_refused_naming_the_challenge()
    {
        var address = TestTopology.NewAddress("unproven");
        var missing = await app.SubscribeAsync(new { email = address, challenge = (string?)null });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("JavaScript", (await ProblemAsync(missing)).GetProperty("errors").GetProperty("challenge")[0].GetString());

        var proofForAnother = await TestTopology.WithProofAsync(app.Site, new { email = TestTopology.NewAddress("other") });
        proofForAnother["email"] = address;
        using var stolen = await app.Reader(TestTopology.RandomClientIp()).PostAsync("/api/subscribers", JsonContent.Create(proofForAnother));
        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);

        var forged = await TestTopology.WithProofAsync(app.Site, new { email = address });
        forged["challenge"] = forged["challenge"]!.GetValue<string>()[..^4] + "AAAA";
        using var forgedResponse = await app.Reader(TestTopology.RandomClientIp()).PostAsync("/api/subscribers", JsonContent.Create(forged));
        Assert.Equal(HttpStatusCode.BadRequest, forgedResponse.StatusCode);
        Assert.Contains("not one this site issued", (await ProblemAsync(forgedResponse)).GetProperty("errors").GetProperty("challenge")[0].GetString());

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(await app.Mail.ToAsync(address));
        var challenge = JsonDocument.Parse(await app.Site.GetStringAsync("/api/subscribers/challenge")).RootElement;
        Assert.Equal(TestTopology.ChallengeDifficulty, challenge.GetProperty("difficulty").GetInt32());
    }

    [Fact]
    public async Task A_form_post_carries_its_proof_in_fields_and_one_without_says_javascript_is_needed()
    {
        var address = TestTopology.NewAddress("form");
        var withoutProof = await PostRawAsync($"email={Uri.EscapeDataString(address)}&name=Ada", "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.BadRequest, withoutProof.StatusCode);
        Assert.Contains("JavaScript", await withoutProof.Content.ReadAsStringAsync());

        var proof = await TestTopology.WithProofAsync(app.Site, new { email = address });
        var response = await PostRawAsync(
            $"email={Uri.EscapeDataString(address)}&name=Ada&challenge={proof["challenge"]}&nonce={proof["nonce"]}", "application/x-www-form-urlencoded");
        // The client follows the 302 as a browser does.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/subscribed/", response.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("Check your inbox", await response.Content.ReadAsStringAsync());
        await app.Mail.WaitForAsync(address);
    }

    [Fact]
    public async Task The_home_page_has_a_subscribe_form_that_posts_to_the_api()
    {
        var html = await app.Site.GetStringAsync("/");
        Assert.Contains("<form id=\"subscribe\" method=\"post\" action=\"/api/subscribers\"", html);
        Assert.Contains("name=\"email\"", html);
    }
}
