using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using MyBlog.Tests.Support;

namespace MyBlog.Benchmarks;

/// <summary>
/// Many concurrent subscribes through the edge while SES's API is black-holed and then refuses connections,
/// on the whole local topology with its production settings (2-minute leases, 10 stream retries, the SES pace of
/// 14/s, the sweep every 10 s). Boots the AppHost itself (as the integration tests do) with the fault proxy between
/// the workers and SES's API (LocalAws's, which hands the mail to smtp4dev), so nothing else may hold ports 8080 and 8025. Reports lost and doubled welcomes,
/// subscribe → email latency (from smtp4dev's receive time) and how long the backlog took to drain after the outage.
/// </summary>
public static class WelcomeFaults
{
    public static async Task RunAsync(int count, TimeSpan blackHole, TimeSpan refuse)
    {
        await using var proxy = new TcpFaultProxy(() => Ses);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MyBlog_AppHost>();
        var workers = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "workers");
        builder.CreateResourceBuilder(workers)
            .WithEnvironment("Mail__ServiceUrl", "http://127.0.0.1:" + proxy.Port.ToString(CultureInfo.InvariantCulture) + "/");
        await using var app = await builder.BuildAsync();
        var clock = Stopwatch.StartNew();
        await app.StartAsync();
        foreach (var resource in new[] { "smtp4dev", "localaws", "workers", "api", "web" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource);
        }
        var ses = app.GetEndpoint("localaws", "http");
        Ses = new IPEndPoint(IPAddress.Loopback, ses.Port);
        Console.WriteLine($"topology up in {clock.Elapsed.TotalSeconds:0} s; SES via the fault proxy on :{proxy.Port}");

        var readers = new Readers(app.CreateHttpClient("web").BaseAddress!);
        var mail = app.CreateHttpClient("smtp4dev");
        var run = Guid.NewGuid().ToString("N")[..6];
        var addresses = Enumerable.Range(0, count).Select(i => $"load-{run}-{i}@example.com").ToList();

        // The form's proofs of work are made first: this measures the welcomes, not the subscribers' browsers.
        var bodies = new object[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), async (i, ct) => bodies[i] = await SubscribeBody.ForAsync(readers[i], addresses[i], ct));
        proxy.Mode = blackHole > TimeSpan.Zero ? FaultMode.BlackHole : refuse > TimeSpan.Zero ? FaultMode.Refuse : FaultMode.Pass;
        var sentAt = new DateTimeOffset[count];
        clock.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
        {
            sentAt[i] = DateTimeOffset.UtcNow;
            using var response = await readers[i].PostAsync("/api/subscribers", JsonContent.Create(bodies[i]), ct);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"Subscribe answered {(int)response.StatusCode}");
            }
        });
        Console.WriteLine($"{count} subscribes answered in {clock.Elapsed.TotalSeconds:0.0} s");

        if (blackHole > TimeSpan.Zero)
        {
            await Task.Delay(blackHole - clock.Elapsed > TimeSpan.Zero ? blackHole - clock.Elapsed : TimeSpan.Zero);
            proxy.Mode = refuse > TimeSpan.Zero ? FaultMode.Refuse : FaultMode.Pass;
            Console.WriteLine($"black hole over at {clock.Elapsed.TotalSeconds:0} s");
        }
        if (refuse > TimeSpan.Zero)
        {
            await Task.Delay(blackHole + refuse - clock.Elapsed);
            proxy.Mode = FaultMode.Pass;
            Console.WriteLine($"refusals over at {clock.Elapsed.TotalSeconds:0} s");
        }
        var outageEnded = DateTimeOffset.UtcNow;

        var deadline = DateTime.UtcNow.AddMinutes(15);
        Dictionary<string, List<DateTimeOffset>> received;
        while (true)
        {
            received = await ReceivedAsync(mail, run);
            var done = addresses.Count(a => received.ContainsKey(a));
            if (done == count || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(1000);
        }
        var drained = received.Values.SelectMany(v => v).Max();
        await Task.Delay(TimeSpan.FromSeconds(30)); // retries and sweeps that come later must send nothing more
        received = await ReceivedAsync(mail, run);

        var lost = addresses.Count(a => !received.ContainsKey(a));
        var doubled = received.Values.Count(v => v.Count > 1);
        var latencies = addresses.Select((a, i) => received.TryGetValue(a, out var at) ? (at.Min() - sentAt[i]).TotalMilliseconds : double.NaN)
            .Where(l => !double.IsNaN(l)).Order().ToList();
        double Percentile(double p) => latencies[Math.Max(0, (int)Math.Ceiling(p / 100 * latencies.Count) - 1)];

        Console.WriteLine($"welcome emails: {count} subscribers, black hole {blackHole.TotalSeconds:0} s then refusals {refuse.TotalSeconds:0} s");
        Console.WriteLine($"  lost {lost}, doubled {doubled}");
        Console.WriteLine($"  subscribe → email: p50 {Percentile(50) / 1000:0.0} s, p95 {Percentile(95) / 1000:0.0} s, max {latencies[^1] / 1000:0.0} s");
        Console.WriteLine($"  last email {(drained - outageEnded).TotalSeconds:0} s after the outage ended" +
            $" ({count / Math.Max(1, (drained - received.Values.SelectMany(v => v).Min()).TotalSeconds):0.0} emails/s overall)");
        Environment.ExitCode = lost == 0 && doubled == 0 ? 0 : 1;
        await app.StopAsync();
    }

    private static IPEndPoint? Ses { get; set; }

    /// <summary>Every message of this run in the sink, by recipient, with smtp4dev's receive times.</summary>
    private static async Task<Dictionary<string, List<DateTimeOffset>>> ReceivedAsync(HttpClient mail, string run)
    {
        var result = new Dictionary<string, List<DateTimeOffset>>(StringComparer.OrdinalIgnoreCase);
        for (var page = 1; ; page++)
        {
            using var doc = JsonDocument.Parse(await mail.GetStringAsync($"/api/Messages?pageSize=1000&page={page}"));
            var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
            foreach (var message in results)
            {
                var at = message.GetProperty("receivedDate").GetDateTimeOffset();
                foreach (var to in message.GetProperty("to").EnumerateArray().Select(t => t.GetString()!).Where(t => t.Contains(run, StringComparison.Ordinal)))
                {
                    (result.TryGetValue(to, out var list) ? list : result[to] = []).Add(at);
                }
            }
            if (results.Count < 1000)
            {
                return result;
            }
        }
    }
}
