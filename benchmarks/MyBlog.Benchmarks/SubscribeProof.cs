using System.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using MyBlog.Core.Subscribers;

namespace MyBlog.Benchmarks;

/// <summary>
/// What the subscribe form's proof of work costs, at the production difficulty: a person pays it once, in the site's
/// own script (subscribe.js) in the machine's headless Chromium (a phone is some three to five times slower); a script
/// pays it for every address it subscribes, in native code (the product's own solver); the API's check costs
/// microseconds. Each proof is checked by the API's code, so a wrong solver cannot look fast.
/// </summary>
public static class SubscribeProof
{
    public static async Task RunAsync(int count)
    {
        var challenges = new SubscribeChallenge(Options.Create(new SubscribeChallengeOptions()),
            Options.Create(new SubscriberLinkOptions { LinkKey = "a-benchmark-link-key-0123456789abcdef" }), TimeProvider.System);
        var difficulty = new SubscribeChallengeOptions().Difficulty;
        var tickets = Enumerable.Range(0, count).Select(_ => challenges.Issue()).ToList();
        var addresses = Enumerable.Range(0, count).Select(i => $"reader{i}@example.com").ToList();

        // The browser: the site's script, loaded as the page loads it, run once per challenge.
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("MYBLOG_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        await page.SetContentAsync("<!doctype html><html><body></body></html>");
        await page.AddScriptTagAsync(new() { Path = Path.Combine(MyBlog.Infrastructure.RepositoryRoot.Find(), "MyBlog.Site", "Assets", "subscribe.js") });
        var browserMs = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var result = await page.EvaluateAsync<double[]>("async ([c, e, d]) => { const t = performance.now(); const n = await solve(c, e, d); return [performance.now() - t, Number(n)]; }",
                new object[] { tickets[i].Challenge, addresses[i], difficulty });
            if (challenges.Check(tickets[i].Challenge, ((long)result[1]).ToString(System.Globalization.CultureInfo.InvariantCulture), addresses[i]) is { } wrong)
            {
                throw new InvalidOperationException($"The browser's proof does not hold: {wrong}");
            }
            browserMs.Add(result[0]);
        }

        // A script: the product's own solver, native code.
        var nativeMs = new List<double>();
        var nonces = new string[count];
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            nonces[i] = SubscribeChallenge.Solve(tickets[i], addresses[i]);
            nativeMs.Add(clock.Elapsed.TotalMilliseconds);
        }

        // The API's check.
        var check = Stopwatch.StartNew();
        for (var round = 0; round < 100; round++)
        {
            for (var i = 0; i < count; i++)
            {
                if (challenges.Check(tickets[i].Challenge, nonces[i], addresses[i]) is { } wrong)
                {
                    throw new InvalidOperationException(wrong);
                }
            }
        }
        var checkUs = check.Elapsed.TotalMicroseconds / (100.0 * count);

        static string Stats(List<double> ms) => $"median {Percentile(ms, 0.5):0} ms, p95 {Percentile(ms, 0.95):0} ms, max {ms.Max():0} ms";
        Console.WriteLine($"difficulty {difficulty} bits (2^{difficulty} = {1 << difficulty:N0} hashes expected), {count} challenges");
        Console.WriteLine($"a person (the site's subscribe.js in headless Chromium): {Stats(browserMs)}");
        Console.WriteLine($"a script (native solver, one core):                   {Stats(nativeMs)}; 10,000 subscriptions cost {nativeMs.Average() * 10_000 / 1000:0} core-seconds");
        Console.WriteLine($"the API's check: {checkUs:0.0} µs");
        Console.WriteLine($"person's median wait {Percentile(browserMs, 0.5):0} ms (goal: well under 1,000 ms even at 4× on a phone: {Percentile(browserMs, 0.5) * 4 / 1000:0.00}×); " +
            $"work per subscribe / check {nativeMs.Average() * 1000 / checkUs:N0}×");
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
