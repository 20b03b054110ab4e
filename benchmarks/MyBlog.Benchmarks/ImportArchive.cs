using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace MyBlog.Benchmarks;

/// <summary>
/// Importing a Hugo site on the whole local topology: the benchmark corpus ([count] posts of about 1,000 words with
/// YAML front matter) as content/posts/, every tenth post a page bundle with a 1600 × 1200 photo, zipped; declared
/// to the API, PUT to the uploads bucket, imported by the worker. Reports the time from the PUT to the import's
/// "done", the posts per second, the time until the last post's page is on the site, the workers' peak memory, and a
/// second import of the same archive (every post unchanged). Boots the AppHost itself, so nothing else may hold
/// ports 8080 and 8025.
/// </summary>
public static class ImportArchive
{
    public static async Task RunAsync(int count)
    {
        var zip = Build(count, out var photos);
        Console.WriteLine($"archive: {count} posts, {photos} photos in page bundles, {zip.Length / (1024.0 * 1024):0.0} MB");

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MyBlog_AppHost>();
        await using var app = await builder.BuildAsync();
        var clock = Stopwatch.StartNew();
        await app.StartAsync();
        foreach (var resource in new[] { "dynamodb", "s3", "localaws", "workers", "api", "web" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource);
        }
        Console.WriteLine($"topology up in {clock.Elapsed.TotalSeconds:0} s");

        var site = app.CreateHttpClient("web");
        site.DefaultRequestHeaders.Authorization = new("Bearer", await OwnerKey.SetUpAsync(site.BaseAddress!));
        var peakKb = 0L;
        var (first, firstJob) = await ImportAsync(site, zip, () => peakKb = Math.Max(peakKb, WorkersPeakKb()));
        var counts = firstJob.GetProperty("counts");
        Console.WriteLine($"import: {first.TotalSeconds:0.0} s from upload to done ({count / first.TotalSeconds:0.0} posts/s); {counts}");

        // The publisher takes the imported posts from the stream: the oldest post's page is the last one it needs.
        clock.Restart();
        var lastPage = TimeSpan.Zero;
        while (clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            peakKb = Math.Max(peakKb, WorkersPeakKb());
            using var page = await site.GetAsync("/posts/post-1/");
            using var home = await site.GetAsync("/");
            if (page.IsSuccessStatusCode && (await home.Content.ReadAsStringAsync()).Contains($"/posts/post-{count}/", StringComparison.Ordinal))
            {
                lastPage = clock.Elapsed;
                break;
            }
            await Task.Delay(500);
        }
        Console.WriteLine($"site: every imported post's page published {lastPage.TotalSeconds:0.0} s after the import was done");

        var (second, secondJob) = await ImportAsync(site, zip, () => peakKb = Math.Max(peakKb, WorkersPeakKb()));
        Console.WriteLine($"the same archive again: {second.TotalSeconds:0.0} s; {secondJob.GetProperty("counts")}");
        Console.WriteLine($"workers peak RSS {peakKb / 1024.0:0} MB");
        var ok = counts.GetProperty("imported").GetInt32() == count && counts.GetProperty("failed").GetInt32() == 0
            && secondJob.GetProperty("counts").GetProperty("skipped").GetInt32() == count;
        Environment.ExitCode = ok ? 0 : 1;
        await app.StopAsync();
    }

    /// <summary>The whole local topology, healthy, and the edge's client signed in as the author.</summary>
    public static async Task<(DistributedApplication App, HttpClient Site)> StartTopologyAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MyBlog_AppHost>();
        var app = await builder.BuildAsync();
        await app.StartAsync();
        foreach (var resource in new[] { "dynamodb", "s3", "localaws", "workers", "api", "web" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource);
        }
        var site = app.CreateHttpClient("web");
        site.DefaultRequestHeaders.Authorization = new("Bearer", await OwnerKey.SetUpAsync(site.BaseAddress!));
        return (app, site);
    }

    /// <summary>Declares the archive, PUTs it where the API says, and waits for the import's end, sampling as it goes.</summary>
    public static Task<(TimeSpan Took, JsonElement Job)> ImportAsync(HttpClient site, byte[] zip, Action sample) =>
        ImportAsync(site, "/api/admin/imports", "hugo-site.zip", "application/zip", zip, sample);

    /// <summary>The same for any kind of import: its endpoint, and the file's name and type.</summary>
    public static async Task<(TimeSpan Took, JsonElement Job)> ImportAsync(
        HttpClient site, string endpoint, string fileName, string contentType, byte[] zip, Action sample)
    {
        var ticket = await (await site.PostAsJsonAsync(endpoint, new { fileName, contentType, size = zip.Length }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        using var put = new HttpRequestMessage(HttpMethod.Put, ticket.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(zip) };
        foreach (var header in ticket.GetProperty("headers").EnumerateObject())
        {
            if (!put.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString()))
            {
                put.Content.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
            }
        }
        var clock = Stopwatch.StartNew();
        using var plain = new HttpClient();
        (await plain.SendAsync(put)).EnsureSuccessStatusCode();
        while (true)
        {
            sample();
            var job = await site.GetFromJsonAsync<JsonElement>($"/api/admin/imports/{ticket.GetProperty("importId").GetString()}");
            if (job.GetProperty("status").GetString() is "done" or "failed")
            {
                return (clock.Elapsed, job);
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The corpus as a Hugo site: content/posts/post-N.md, every tenth a bundle (post-N/index.md) with its photo.</summary>
    private static byte[] Build(int count, out int photos)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"myblog-import-corpus-{Guid.NewGuid():N}");
        Corpus.Write(directory, count);
        var photo = Path.Combine(directory, "photo.jpg");
        photos = 0;
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*.md").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                var text = File.ReadAllText(file);
                var bundle = int.Parse(name.Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture) % 10 == 0;
                if (bundle)
                {
                    // A distinct photo per bundle, as a real site has.
                    Thumbnails.WritePhoto(photo, 1600 + photos, 1200);
                    Write(zip, $"mysite/content/posts/{name}/photo.jpg", File.ReadAllBytes(photo));
                    text += "\n![A photo](photo.jpg)\n";
                    photos++;
                }
                Write(zip, bundle ? $"mysite/content/posts/{name}/index.md" : $"mysite/content/posts/{name}.md", System.Text.Encoding.UTF8.GetBytes(text));
            }
        }
        Directory.Delete(directory, recursive: true);
        return buffer.ToArray();
    }

    private static void Write(ZipArchive zip, string name, byte[] bytes)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write(bytes);
    }

    /// <summary>The workers process's peak resident memory (it is the only MyBlog.Workers on the machine during the run).</summary>
    public static long WorkersPeakKb() => PeakMemory.OfProcessesKb("MyBlog.Workers");
}
