using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MyBlog.Api.Hosting;
using MyBlog.Tests.Support;
using MyBlog.Web.Edge;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace MyBlog.Tests.Unit;

/// <summary>
/// The local edge in front of two regions' APIs (small stand-ins that answer the region check and say who answered):
/// readers are sent to the next region within seconds of one going, and back within seconds of its return — however
/// many of their requests failed as it went.
/// </summary>
public sealed class EdgeFailoverTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_region_whose_outage_failed_readers_requests_serves_them_again_within_seconds_of_its_return()
    {
        var home = await RegionApi.StartAsync("home", port: 0);
        await using var other = await RegionApi.StartAsync("other", port: 0);
        var homePort = home.Port;
        await using var edge = await StartEdgeAsync(home.Url, other.Url);
        using var reader = new HttpClient { BaseAddress = new Uri(edge.Urls.First()), Timeout = TimeSpan.FromSeconds(5) };
        Assert.NotNull(await EdgeReader.ServedByAsync(reader, "home", Within));

        // The home region goes while readers are reading: their requests to it fail, enough of them for the edge's
        // passive check to take it out (it takes ten requests in its window). They are sent all at once, so they reach
        // the home region before its next active check could take it out first.
        await home.DisposeAsync();
        var reads = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            try
            {
                using var response = await reader.GetAsync($"/api/posts?reader={Guid.NewGuid():N}");
                return response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }));
        var failed = reads.Count(ok => !ok);
        Assert.True(edge.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster("api", out var api));
        Assert.True(api.Destinations.Values.Single(d => d.DestinationId.StartsWith("00-home", StringComparison.Ordinal)).Health.Passive == DestinationHealth.Unhealthy,
            $"the edge's passive check, which this is about, did not take the region out ({failed} requests failed as it went)");
        Assert.NotNull(await EdgeReader.ServedByAsync(reader, "other", Within));

        // Back (on the same address, as a restarted region's API is): readers are sent home again within seconds.
        await using var back = await RegionApi.StartAsync("home", homePort);
        var failBack = await EdgeReader.ServedByAsync(reader, "home", TimeSpan.FromSeconds(75));
        Assert.True(failBack < Within, $"readers were sent home {failBack?.TotalSeconds:0.0} s after its return ({failed} requests failed as it went)");
    }

    [Fact]
    public async Task A_region_whose_table_answers_slowly_but_within_the_check_s_own_limit_keeps_its_readers()
    {
        // The region check gives its table read RegionHealth.TableTimeout; an answer that takes most of it is an answer.
        var slow = RegionHealth.TableTimeout - TimeSpan.FromMilliseconds(400);
        await using var home = await RegionApi.StartAsync("home", port: 0, checkTakes: slow);
        await using var other = await RegionApi.StartAsync("other", port: 0);
        await using var edge = await StartEdgeAsync(home.Url, other.Url);
        using var reader = new HttpClient { BaseAddress = new Uri(edge.Urls.First()), Timeout = TimeSpan.FromSeconds(5) };
        Assert.NotNull(await EdgeReader.ServedByAsync(reader, "home", Within));

        // Several checks' worth of reads, each answered at home.
        var until = DateTime.UtcNow + slow * 4;
        while (DateTime.UtcNow < until)
        {
            using var response = await reader.GetAsync($"/api/posts?reader={Guid.NewGuid():N}");
            Assert.Equal("home", response.Headers.GetValues(ServingRegion.Header).Single());
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_region_whose_check_never_answers_is_left_within_seconds()
    {
        await using var home = await RegionApi.StartAsync("home", port: 0, checkTakes: Timeout.InfiniteTimeSpan);
        await using var other = await RegionApi.StartAsync("other", port: 0);
        await using var edge = await StartEdgeAsync(home.Url, other.Url);
        using var reader = new HttpClient { BaseAddress = new Uri(edge.Urls.First()), Timeout = TimeSpan.FromSeconds(5) };

        Assert.NotNull(await EdgeReader.ServedByAsync(reader, "other", Within));
    }

    private static async Task<WebApplication> StartEdgeAsync(string home, string other)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:ApiRegions:0:Region"] = "home",
            ["Edge:ApiRegions:0:Url"] = home,
            ["Edge:ApiRegions:1:Region"] = "other",
            ["Edge:ApiRegions:1:Url"] = other,
            ["Aws:S3ServiceUrl"] = "http://127.0.0.1:9",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddServiceDiscovery(); // the edge resolves the API's address through it, as under the AppHost
        builder.AddEdge();
        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync();
        return app;
    }

    /// <summary>A region's API as the edge sees it: the region check, and a list of posts naming the region that answered.</summary>
    private sealed class RegionApi : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private RegionApi(WebApplication app) => _app = app;

        public string Url => _app.Urls.First();

        public int Port => new Uri(Url).Port;

        /// <param name="checkTakes">How long the region check takes to answer (its table's read); none: at once.</param>
        public static async Task<RegionApi> StartAsync(string region, int port, TimeSpan? checkTakes = null)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var app = builder.Build();
            app.Use((context, next) =>
            {
                context.Response.Headers[ServingRegion.Header] = region;
                return next(context);
            });
            app.MapGet(MyBlog.Core.HealthPaths.Region, async (CancellationToken ct) =>
            {
                if (checkTakes is { } takes)
                {
                    await Task.Delay(takes, ct);
                }
                return "Healthy";
            });
            app.MapGet("/api/posts", () => Results.Text("""{"items":[]}""", "application/json"));
            await app.StartAsync();
            return new RegionApi(app);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
