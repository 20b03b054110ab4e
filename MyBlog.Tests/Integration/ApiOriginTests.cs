using System.Diagnostics;
using System.Net;
using Aspire.Hosting.Testing;
using MyBlog.Infrastructure;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The API as CloudFront's origin: what it takes as proof that a request came through the edge (the origin secret, and
/// the one before a rotation), and how it answers as the site bucket's fallback for pages the bucket could not serve.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class ApiOriginTests(TestTopology app)
{
    private async Task<HttpResponseMessage> AsCloudFrontAsync(string path, string secret = TestTopology.OriginSecret)
    {
        var api = app.App.CreateHttpClient("api");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-MyBlog-Origin", secret);
        request.Headers.Add("CloudFront-Viewer-Address", $"203.0.113.{Random.Shared.Next(1, 255)}:443");
        return await api.SendAsync(request);
    }

    [Fact]
    public async Task The_secret_before_a_rotation_is_accepted_beside_the_current_one_and_nothing_else_is()
    {
        Assert.Equal(HttpStatusCode.OK, (await AsCloudFrontAsync("/api/posts", TestTopology.OriginSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AsCloudFrontAsync("/api/posts", TestTopology.PreviousOriginSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await AsCloudFrontAsync("/api/posts", TestTopology.PreviousOriginSecret + "x")).StatusCode);
    }

    [Fact]
    public async Task A_held_read_answered_before_routing_is_the_endpoint_s_answer_header_for_header()
    {
        // A page size no other test asks for: the first read is the endpoint's, and fills what the rest are answered
        // from before routing (CachedPostReads).
        const string Path = "/api/posts?limit=7";
        static string Answer(HttpResponseMessage response, string body) => string.Join("\n",
            response.Headers.Concat(response.Content.Headers).Where(h => h.Key != "Date")
                .Select(h => $"{h.Key}: {string.Join(",", h.Value)}").Order()) + $"\n{(int)response.StatusCode}\n{body}";

        using var first = await AsCloudFrontAsync(Path);
        var endpoint = Answer(first, await first.Content.ReadAsStringAsync());
        Assert.Contains("X-MyBlog-Region: ", endpoint);
        for (var i = 0; i < 40; i++)
        {
            using var again = await AsCloudFrontAsync(Path);
            Assert.Equal(endpoint, Answer(again, await again.Content.ReadAsStringAsync()));
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await AsCloudFrontAsync(Path, "not-the-secret")).StatusCode);
    }

    [Fact]
    public async Task As_the_bucket_s_fallback_the_API_answers_site_paths_with_the_page_or_the_site_s_404_page_and_API_paths_as_the_API()
    {
        await TestTopology.EventuallyAsync(app.Site, "/", (status, _) => status == HttpStatusCode.OK, TimeSpan.FromSeconds(30));

        using var home = await AsCloudFrontAsync("/index.html");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal("text/html", home.Content.Headers.ContentType?.MediaType);

        using var missing = await AsCloudFrontAsync("/posts/no-such-post/index.html");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("text/html", missing.Content.Headers.ContentType?.MediaType);
        var notFoundPage = await (await app.Site.GetAsync("/no-such-page/")).Content.ReadAsStringAsync();
        Assert.Equal(notFoundPage, await missing.Content.ReadAsStringAsync());

        // What the CloudFront Function sends for paths the site cannot have, and the publisher's own files: the 404 page.
        Assert.Equal(HttpStatusCode.NotFound, (await AsCloudFrontAsync("/_/not-found")).StatusCode);
        using var manifest = await AsCloudFrontAsync("/_publisher/manifest.json");
        Assert.Equal(HttpStatusCode.NotFound, manifest.StatusCode);
        Assert.Equal(notFoundPage, await manifest.Content.ReadAsStringAsync());

        // The API's own errors stay problem+json, never the site's page.
        using var apiMissing = await AsCloudFrontAsync("/api/posts/no-such-post");
        Assert.Equal(HttpStatusCode.NotFound, apiMissing.StatusCode);
        Assert.Equal("application/problem+json", apiMissing.Content.Headers.ContentType?.MediaType);
        using var unknownApi = await AsCloudFrontAsync("/api/no-such-route");
        Assert.Equal("application/problem+json", unknownApi.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Outside_local_development_the_API_does_not_start_without_an_origin_secret()
    {
        var api = Path.Combine(RepositoryRoot.Find(), "MyBlog.Api", "bin", BuildConfiguration, "net10.0", "MyBlog.Api.dll");
        var start = new ProcessStartInfo("dotnet", [api, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Admin__SetupCode"] = "an-setup-code-long-enough-to-pass-validation";
        start.Environment["Subscribers__LinkKey"] = "a-link-key-long-enough-to-pass-validation-0123";
        start.Environment["Subscribers__IdKey"] = "an-id-key-long-enough-to-pass-validation-01234";
        start.Environment.Remove("Edge__OriginSecret");
        using var process = Process.Start(start)!;
        var output = process.StandardError.ReadToEndAsync();
        var log = process.StandardOutput.ReadToEndAsync();
        var exited = process.WaitForExit(TimeSpan.FromSeconds(60));
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
        }

        Assert.True(exited, "The API started without an origin secret");
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("Edge:OriginSecret is not set", await output + await log);
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif
}
