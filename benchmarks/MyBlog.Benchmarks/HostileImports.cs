using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using MyBlog.Tests.Support;

namespace MyBlog.Benchmarks;

/// <summary>
/// Archives built to hurt the importer, each imported on the whole local topology as an author would: the time from
/// the upload to the import's end (it must end, <c>done</c> or <c>failed</c>, well inside the import function's 15
/// minutes) and the most the workers process's resident memory grew while it ran (inside the function's 1 GB). Boots
/// the AppHost itself, so nothing else may hold ports 8080 and 8025.
/// </summary>
public static class HostileImports
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);
    private const long MemoryLimitMb = 1024;

    public static async Task RunAsync()
    {
        var (app, site) = await ImportArchive.StartTopologyAsync();
        await using var _ = app;

        Console.WriteLine($"{"archive",-28} {"size",9} {"outcome",-8} {"files",7} {"time",9} {"workers +RSS",12}");
        var worstTime = TimeSpan.Zero;
        var worstMb = 0L;
        var allEnded = true;
        foreach (var (name, zip) in Archives())
        {
            var baseline = WorkersRssKb();
            var peak = baseline;
            var (took, job) = await ImportArchive.ImportAsync(site, zip, () => peak = Math.Max(peak, WorkersRssKb()));
            var status = job.GetProperty("status").GetString()!;
            var grewMb = Math.Max(0, peak - baseline) / 1024;
            Console.WriteLine($"{name,-28} {zip.Length / 1024.0,7:0} KB {status,-8} {job.GetProperty("results").GetArrayLength(),7} {took.TotalSeconds,7:0.0} s {grewMb,9} MB");
            worstTime = took > worstTime ? took : worstTime;
            worstMb = Math.Max(worstMb, grewMb);
            allEnded &= status is "done" or "failed";
        }
        await app.StopAsync();
        Environment.ExitCode = allEnded ? 0 : 1;
        Console.WriteLine($"every import ended: {allEnded}; slowest {worstTime.TotalSeconds:0.0} s of {Limit.TotalMinutes:0} min ({worstTime / Limit:0.000}×), " +
            $"most memory {worstMb} MB of {MemoryLimitMb} MB ({worstMb / (double)MemoryLimitMb:0.000}×)");
    }

    private static IEnumerable<(string Name, byte[] Zip)> Archives()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var bomb = TestImages.PngWithCompressedText(1L << 30);
        var pngBombs = new TestArchive();
        for (var i = 0; i < 5; i++)
        {
            pngBombs.Add($"content/posts/bomb-{run}-{i}/bomb.png", bomb).Text($"content/posts/bomb-{run}-{i}/index.md", $"---\ntitle: Bomb {i}\n---\n![b](bomb.png)");
        }
        yield return ("png text bombs (1 GB each)", pngBombs.ToBytes());

        yield return ("<img openings, 290 KB × 10", Flood(run, "tags", "<img ", 58_000));
        yield return ("{{< figure openings", Flood(run, "figures", "{{< figure ", 26_000));
        yield return ("unclosed links [](", Flood(run, "links", "[](", 90_000));
        yield return ("nested quotes > × 3000", Flood(run, "quotes", "> ", 3_000));

        var dates = new TestArchive().Text($"_posts/2020-01-01-fine-{run}.md", "---\ntitle: Fine\n---\nok");
        for (var i = 0; i < 1000; i++)
        {
            dates.Text($"_posts/2019-02-{30 + i % 2}-impossible-{run}-{i}.md", "---\ntitle: No such day\n---\nx");
        }
        yield return ("impossible dates × 1000", dates.ToBytes());

        var ghost = new StringBuilder("""{"db":[{"meta":{"version":"5.0.0"},"data":{"posts":[""");
        for (var i = 0; i < 1000; i++)
        {
            ghost.Append(i == 0 ? "" : ",").Append($$"""{"id":"{{i}}","title":"T{{i}}","slug":"far-{{run}}-{{i}}","html":"<p>x</p>","status":"published","published_at":99999999999999999}""");
        }
        ghost.Append("""],"posts_tags":[{"post_id":"1","tag_id":"t","sort_order":1e300}],"tags":[{"id":"t","name":"x"}]}}]}""");
        yield return ("ghost out of range × 1000", new TestArchive().Text("export.json", ghost.ToString()).ToBytes());

        yield return ("directory claims 5M entries", ClaimingEntries(5_000_000));

        var many = new TestArchive();
        for (var i = 0; i <= 10_000; i++)
        {
            many.Text($"content/p{i}.md", "");
        }
        yield return ("10,001 entries", many.ToBytes());

        yield return ("zip bomb entry (50 MB zeros)", new TestArchive()
            .Text($"content/posts/ok-{run}.md", "---\ntitle: OK\n---\nok")
            .Add($"content/posts/ok-{run}.png", new byte[50 * 1024 * 1024], level: CompressionLevel.SmallestSize).ToBytes());
    }

    private static byte[] Flood(string run, string name, string opening, int times)
    {
        var archive = new TestArchive();
        var body = string.Concat(Enumerable.Repeat(opening, times));
        for (var i = 0; i < 10; i++)
        {
            archive.Text($"content/posts/{name}-{run}-{i}.md", $"---\ntitle: {name} {i}\ndraft: true\n---\n{body}");
        }
        return archive.ToBytes();
    }

    /// <summary>A small zip whose Zip64 end record claims <paramref name="entries"/> entries in a directory of many gigabytes.</summary>
    private static byte[] ClaimingEntries(long entries)
    {
        var zip = new TestArchive().Text("content/posts/a.md", "---\ntitle: A\n---\na").ToBytes();
        var end = zip.Length - 22;
        var directorySize = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 12));
        var directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 16));
        using var output = new MemoryStream();
        output.Write(zip, 0, end);
        var zip64At = output.Position;
        Span<byte> record = stackalloc byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(record, 0x06064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(record[4..], 44);
        BinaryPrimitives.WriteUInt16LittleEndian(record[12..], 45);
        BinaryPrimitives.WriteUInt16LittleEndian(record[14..], 45);
        BinaryPrimitives.WriteUInt64LittleEndian(record[24..], (ulong)entries);
        BinaryPrimitives.WriteUInt64LittleEndian(record[32..], (ulong)entries);
        BinaryPrimitives.WriteUInt64LittleEndian(record[40..], (ulong)entries * 64 + directorySize);
        BinaryPrimitives.WriteUInt64LittleEndian(record[48..], directoryOffset);
        output.Write(record);
        Span<byte> locator = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(locator[8..], (ulong)zip64At);
        BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
        output.Write(locator);
        var eocd = zip.AsSpan(end, 22).ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(eocd.AsSpan(8), 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(eocd.AsSpan(10), 0xFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(eocd.AsSpan(12), 0xFFFFFFFF);
        output.Write(eocd);
        return output.ToArray();
    }

    /// <summary>The workers process's resident memory now (VmRSS), in kilobytes.</summary>
    private static long WorkersRssKb() =>
        Process.GetProcessesByName("MyBlog.Workers").Select(p => PeakMemory.ResidentKb(p.Id)).DefaultIfEmpty(0).Max();
}
