using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace MyBlog.Benchmarks;

/// <summary>Subscribe → welcome email visible in the mail sink, against a running AppHost.</summary>
public static class SubscribeLatency
{
    public static async Task RunAsync(int count)
    {
        var readers = new Readers(new Uri(Environment.GetEnvironmentVariable("MYBLOG_SITE") ?? "http://localhost:8080"));
        var mail = new HttpClient { BaseAddress = new Uri(Environment.GetEnvironmentVariable("MYBLOG_MAIL") ?? "http://localhost:8025") };
        var run = Guid.NewGuid().ToString("N")[..8];

        async Task<bool> ArrivedAsync(string address)
        {
            using var doc = JsonDocument.Parse(await mail.GetStringAsync("/api/Messages?pageSize=50"));
            return doc.RootElement.GetProperty("results").EnumerateArray()
                .Any(m => m.GetProperty("to").EnumerateArray().Any(t => string.Equals(t.GetString(), address, StringComparison.OrdinalIgnoreCase)));
        }

        // One warm-up subscription so first-call JIT and connection set-up are not measured.
        var latencies = new List<double>();
        for (var i = -1; i < count; i++)
        {
            var address = $"bench-{run}-{i + 1}@example.com";
            // The browser's proof of work is its own cost (benchmark subscribe-proof); this is the subscribe and the welcome.
            var body = await SubscribeBody.ForAsync(readers[i + 1], address);
            var clock = Stopwatch.StartNew();
            using var response = await readers[i + 1].PostAsync("/api/subscribers", JsonContent.Create(body));
            if ((int)response.StatusCode != 202)
            {
                throw new InvalidOperationException($"Subscribe answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            while (!await ArrivedAsync(address))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException($"No email for {address} after 30 s");
                }
                await Task.Delay(10);
            }
            if (i >= 0)
            {
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        latencies.Sort();
        double Percentile(double p) => latencies[(int)Math.Ceiling(p / 100 * latencies.Count) - 1];
        Console.WriteLine($"subscribe → email visible, {count} sequential subscriptions:");
        Console.WriteLine($"  p50 {Percentile(50):0} ms   p95 {Percentile(95):0} ms   min {latencies[0]:0} ms   max {latencies[^1]:0} ms");
    }
}
