using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace MyBlog.Benchmarks;

/// <summary>
/// The author's subscriber list at size, on the whole local topology: two Ghost members exports of [count] rows each
/// (nine in ten subscribed to emails, one in ten not) imported through the API one after the other, then the list
/// read as the editor reads it — the first page, ten pages on, a search by the start of an address, the rarest
/// status, the counts — and the whole list exported, then the first file imported again (nothing new). Reports each
/// import's time from upload to done and its rows a second, the workers' peak memory, and each read's median and
/// slowest of 20. Boots the AppHost itself, so nothing else may hold ports 8080 and 8025.
/// </summary>
public static class SubscribersAtScale
{
    private const string Endpoint = "/api/admin/subscribers/imports";

    public static async Task RunAsync(int count)
    {
        var first = Export(0, count);
        var second = Export(count, count);
        Console.WriteLine($"lists: 2 × {count} rows, {first.Length / (1024.0 * 1024):0.0} MB each");

        var (app, site) = await ImportArchive.StartTopologyAsync();
        await using var _ = app;
        site.Timeout = TimeSpan.FromMinutes(5);
        var peakKb = 0L;
        void Sample() => peakKb = Math.Max(peakKb, ImportArchive.WorkersPeakKb());

        var ok = true;
        foreach (var (label, csv) in new[] { ("first", first), ("second", second) })
        {
            var (took, job) = await ImportArchive.ImportAsync(site, Endpoint, "members.csv", "text/csv", csv, Sample);
            var counts = job.GetProperty("counts");
            Console.WriteLine($"{label} import: {took.TotalSeconds:0.0} s from upload to done ({count / took.TotalSeconds:0} rows/s); {counts}");
            ok &= counts.GetProperty("imported").GetInt32() == count;
        }
        Console.WriteLine($"workers peak RSS {peakKb / 1024.0:0} MB");

        var clock = Stopwatch.StartNew();
        var total = (await site.GetFromJsonAsync<JsonElement>("/api/admin/subscribers/counts")).GetProperty("total").GetInt32();
        Console.WriteLine($"subscribers in the table: {total}, counted on the first request in {clock.Elapsed.TotalMilliseconds:0} ms (later requests read the kept counts)");
        ok &= total == 2 * count;
        var tenth = await CursorAfterAsync(site, 10);
        await TimeAsync("first page (50, every status)", () => site.GetAsync("/api/admin/subscribers?limit=50"));
        await TimeAsync("the eleventh page", () => site.GetAsync($"/api/admin/subscribers?limit=50&cursor={Uri.EscapeDataString(tenth)}"));
        await TimeAsync("search 'reader0123'", () => site.GetAsync("/api/admin/subscribers?q=reader0123"));
        await TimeAsync("unsubscribed, first page", () => site.GetAsync("/api/admin/subscribers?status=unsubscribed&limit=50"));
        await TimeAsync("counts (kept)", () => site.GetAsync("/api/admin/subscribers/counts"));

        // The export as the editor reads it: part after part, following each part's Link.
        clock.Restart();
        var (lines, bytes, parts) = (-1, 0L, 0);
        for (var next = "/api/admin/subscribers/export"; next is not null; parts++)
        {
            using var response = (await site.GetAsync(next)).EnsureSuccessStatusCode();
            var part = await response.Content.ReadAsByteArrayAsync();
            bytes += part.Length;
            lines += Encoding.UTF8.GetString(part).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length;
            next = response.Headers.TryGetValues("Link", out var link) ? link.Single().Split('<', '>')[1] : null;
        }
        Console.WriteLine($"export: {lines} rows in {parts} parts, {bytes / (1024.0 * 1024):0.0} MB in {clock.Elapsed.TotalSeconds:0.0} s");
        ok &= lines == 2 * count;

        var (again, againJob) = await ImportAsync(site, first, Sample);
        Console.WriteLine($"the first list again: {again.TotalSeconds:0.0} s; {againJob.GetProperty("counts")}");
        ok &= againJob.GetProperty("counts").GetProperty("imported").GetInt32() == 0;
        Environment.ExitCode = ok ? 0 : 1;
        await app.StopAsync();
    }

    private static Task<(TimeSpan, JsonElement)> ImportAsync(HttpClient site, byte[] csv, Action sample) =>
        ImportArchive.ImportAsync(site, Endpoint, "members.csv", "text/csv", csv, sample);

    /// <summary>A Ghost members export: readers [from, from + count), nine in ten subscribed to emails.</summary>
    private static byte[] Export(int from, int count)
    {
        var csv = new StringBuilder("id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers\n");
        for (var i = from; i < from + count; i++)
        {
            csv.Append($"{i:x24},reader{i:D7}@example.com,Reader {i},,{(i % 10 == 9 ? "false" : "true")},,,2024-01-01T00:00:00.000Z,,,\n");
        }
        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    private static async Task<string> CursorAfterAsync(HttpClient site, int pages)
    {
        string? cursor = null;
        for (var i = 0; i < pages; i++)
        {
            var page = await site.GetFromJsonAsync<JsonElement>("/api/admin/subscribers?limit=50" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            cursor = page.GetProperty("next").GetString();
        }
        return cursor!;
    }

    private static async Task TimeAsync(string what, Func<Task<HttpResponseMessage>> request)
    {
        var times = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await request();
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"{what}: median {times[times.Count / 2]:0.0} ms, slowest {times[^1]:0.0} ms");
    }
}
