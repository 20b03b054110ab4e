using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Amazon.DynamoDBv2.Model;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using MyBlog.AppHost.Regions;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;

namespace MyBlog.Benchmarks;

/// <summary>
/// MyBlog in two regions on the laptop (the AppHost's <c>--Local:Regions</c> run with its own settings but the
/// replication lag given, booted by the benchmark): read and write latency straight to each region's API as CloudFront reaches
/// it; replication lag as a region's mailer meets it — from a subscribe answered in one region to the subscriber
/// readable in the other region's replica, where that region's stream and sweep find it; and failover — from the
/// dashboard's "Take us-east-1 down" to the first API answer the edge gets from eu-west-1, and back.
/// </summary>
public static class Regions
{
    private const string Home = "us-east-1";
    private const string Other = "eu-west-1";
    private const string RegionHeader = "X-MyBlog-Region";
    private static readonly string OriginSecret = Convert.ToHexString(Guid.NewGuid().ToByteArray());

    public static async Task RunAsync(int requests, TimeSpan lag)
    {
        var clock = Stopwatch.StartNew();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MyBlog_AppHost>(
            [$"--Local:Regions={Home},{Other}", $"--Local:ReplicationLag={lag}"]);
        foreach (var name in new[] { "api", $"api-{Other}", "web" })
        {
            // The edge's proof to the APIs, known to the benchmark so it can call each region's API as CloudFront does.
            builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == name)).WithEnvironment("Edge__OriginSecret", OriginSecret);
        }
        await using var app = await builder.BuildAsync();
        await app.StartAsync();
        foreach (var resource in new[] { "web", "api", "workers", "localaws", $"api-{Other}", $"workers-{Other}", $"localaws-{Other}" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource);
        }
        Console.WriteLine($"two regions up in {clock.Elapsed.TotalSeconds:0} s; replication lag set to {lag.TotalMilliseconds:0} ms");

        var lines = new List<string>();
        foreach (var region in new[] { Home, Other })
        {
            var api = app.CreateHttpClient(Named("api", region));
            var reads = await TimeAsync(requests, _ => ApiAsync(api, new HttpRequestMessage(HttpMethod.Get, "/api/posts")));
            var bodies = new List<object>();
            for (var i = 0; i < requests; i++)
            {
                bodies.Add(await SubscribeBodyAsync(api, $"bench-{region}-{i}-{Guid.NewGuid():N}@example.com"));
            }
            var writes = await TimeAsync(requests, i => ApiAsync(api, new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(bodies[i]) }), HttpStatusCode.Accepted);
            lines.Add($"{region}: read p50 {P(reads, 50):0.0} ms p99 {P(reads, 99):0.0} ms, write (subscribe) p50 {P(writes, 50):0.0} ms p99 {P(writes, 99):0.0} ms");
            Console.WriteLine(lines[^1]);
        }

        // Replication as the other region's mailer meets it: the subscriber readable in its replica — measured once the
        // write phase's thousand-odd changes (each subscribe and its welcome write several items) have been shipped:
        // a burst queues behind itself, at about two hundred changes a second through the local replicator.
        await Task.Delay(TimeSpan.FromSeconds(15));
        var replication = new List<double>();
        var homeApi = app.CreateHttpClient("api");
        using var other = new AmazonDynamoDBClient(new BasicAWSCredentials("S3RVER", "S3RVER"),
            new AmazonDynamoDBConfig { ServiceURL = app.GetEndpoint(Named("dynamodb", Other), "http").ToString(), AuthenticationRegion = Home });
        var ids = new SubscriberIds(Microsoft.Extensions.Options.Options.Create(new SubscriberIdOptions { IdKey = "local-id-key-never-change-0123456789abcdef" }));
        for (var i = 0; i < Math.Min(requests, 50); i++)
        {
            var address = $"replicated-{i}-{Guid.NewGuid():N}@example.com";
            var body = await SubscribeBodyAsync(homeApi, address);
            using var answer = await ApiAsync(homeApi, new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(body) });
            var answered = Stopwatch.StartNew();
            EmailAddress.TryParse(address, out var email, out _);
            var key = new Dictionary<string, AttributeValue>
            {
                [MyBlogTable.PartitionKey] = new(SubscriberKeys.PartitionKey(ids.IdFor(email!))),
                [MyBlogTable.SortKey] = new(SubscriberKeys.ProfileSortKey),
            };
            while ((await other.GetItemAsync(new GetItemRequest { TableName = MyBlogTable.DefaultName, Key = key, ConsistentRead = true })).Item is not { Count: > 0 })
            {
                await Task.Delay(10);
            }
            replication.Add(answered.Elapsed.TotalMilliseconds);
        }
        lines.Add($"replication {Home} → {Other}: p50 {P(replication, 50):0} ms p99 {P(replication, 99):0} ms (lag set {lag.TotalMilliseconds:0} ms)");
        Console.WriteLine(lines[^1]);

        // Failover through the edge, and back, with the dashboard's commands.
        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        var taking = commands.ExecuteCommandAsync("dynamodb", RegionOutage.DownCommand);
        var (failover, failedRequests) = await FirstAnswerFromAsync(app.CreateHttpClient("web").BaseAddress!, Other);
        await taking;
        Console.WriteLine($"failover: first answer from {Other} {failover.TotalSeconds:0.0} s after {Home} was taken down ({failedRequests} requests failed meanwhile)");
        var up = Stopwatch.StartNew();
        await commands.ExecuteCommandAsync("dynamodb", RegionOutage.UpCommand);
        var started = up.Elapsed;
        var (failback, _) = await FirstAnswerFromAsync(app.CreateHttpClient("web").BaseAddress!, Home);
        Console.WriteLine($"fail-back: first answer from {Home} {failback.TotalSeconds:0.0} s after it was healthy again (bringing it back took {started.TotalSeconds:0.0} s)");
        lines.Add($"failover {failover.TotalSeconds:0.0} s, fail-back {failback.TotalSeconds:0.0} s");
        Console.WriteLine("regions: " + string.Join(" | ", lines));
        await app.StopAsync();
    }

    private static string Named(string resource, string region) => region == Home ? resource : $"{resource}-{region}";

    private static async Task<HttpResponseMessage> ApiAsync(HttpClient api, HttpRequestMessage request)
    {
        request.Headers.Add("X-MyBlog-Origin", OriginSecret);
        request.Headers.Add("CloudFront-Viewer-Address", $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}:443");
        return await api.SendAsync(request);
    }

    /// <summary>What the subscribe form sends, its proof of work solved (before the clock starts, as the form solves it before sending).</summary>
    private static async Task<object> SubscribeBodyAsync(HttpClient api, string address)
    {
        using var challengeResponse = await ApiAsync(api, new HttpRequestMessage(HttpMethod.Get, "/api/subscribers/challenge"));
        var challenge = (await challengeResponse.Content.ReadFromJsonAsync<ChallengeTicket>())!;
        return new { email = address, challenge = challenge.Challenge, nonce = SubscribeChallenge.Solve(challenge, address) };
    }

    private static async Task<List<double>> TimeAsync(int count, Func<int, Task<HttpResponseMessage>> send, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var latencies = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await send(i);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
            if (response.StatusCode != expected)
            {
                throw new InvalidOperationException($"answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }
        return latencies;
    }

    /// <summary>
    /// Sends a request through the edge every 50 ms, without waiting for the ones before (a request caught by the
    /// region as it went waits for the edge's origin timeout, and readers do not queue behind it), until one is
    /// answered by <paramref name="region"/>; returns when that answer came, and how many requests failed (an error
    /// or the edge's 5xx) by the time the stragglers ended.
    /// </summary>
    private static async Task<(TimeSpan Elapsed, int Failed)> FirstAnswerFromAsync(Uri site, string region)
    {
        var watch = Stopwatch.StartNew();
        var failed = 0;
        using var edge = new HttpClient { BaseAddress = site, Timeout = TimeSpan.FromSeconds(60) };
        var answered = new TaskCompletionSource<TimeSpan>();
        var probes = new List<Task>();
        while (!answered.Task.IsCompleted && watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            probes.Add(Task.Run(async () =>
            {
                try
                {
                    using var response = await edge.GetAsync($"/api/posts?probe={Guid.NewGuid():N}");
                    if (response.Headers.TryGetValues(RegionHeader, out var served) && served.Single() == region)
                    {
                        answered.TrySetResult(watch.Elapsed);
                    }
                    else if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failed);
                }
            }));
            await Task.WhenAny(answered.Task, Task.Delay(50));
        }
        var elapsed = await answered.Task.WaitAsync(TimeSpan.FromSeconds(1));
        await Task.WhenAll(probes);
        return (elapsed, failed);
    }

    private static double P(List<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
