using System.Diagnostics;
using MyBlog.Core.Posts;
using MyBlog.Site.Building;

namespace MyBlog.Benchmarks;

/// <summary>MyBlog's static build measured the way Hugo's is: Markdown files in, a directory of pages out.</summary>
public static class SiteBuild
{
    private static readonly SiteInfo Site = new("Benchmark blog", new Uri("https://blog.example.com/"), SiteAssets.Load());

    public static async Task FullAsync(string corpus, string output)
    {
        var clock = Stopwatch.StartNew();
        var posts = Corpus.Read(corpus);
        var summaries = new PostSummary[posts.Count];
        Parallel.For(0, posts.Count, i => summaries[i] = posts[i].ToSummary());
        var newestFirst = summaries.OrderByDescending(p => p.PublishedAt).ToList();

        // One renderer per core: a renderer's dispatcher is single-threaded.
        var renderers = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new SiteRenderer()).ToArray();
        var builders = renderers.Select(r => new SiteBuilder(r, Site)).ToArray();
        var next = -1;
        await Parallel.ForEachAsync(Enumerable.Range(0, builders.Length), async (worker, _) =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < posts.Count)
            {
                Write(output, await builders[worker].PostPageAsync(posts[index], summaries[index]));
            }
        });
        var lists = await builders[0].ListPagesAsync(newestFirst);
        foreach (var page in lists)
        {
            Write(output, page);
        }
        clock.Stop();
        foreach (var renderer in renderers)
        {
            await renderer.DisposeAsync();
        }

        Console.WriteLine($"MyBlog full build: {posts.Count} posts → {posts.Count + lists.Count} files in {clock.ElapsedMilliseconds} ms; " +
            $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MB");
    }

    /// <summary>
    /// The publisher's job for one new post on a built site: render the lists (from summaries) and the one post
    /// page, compare with what the site has (the manifest of hashes), write only what changed.
    /// </summary>
    public static async Task PublishOneAsync(string corpus, string output)
    {
        var posts = Corpus.Read(corpus);
        await using var renderer = new SiteRenderer();
        var builder = new SiteBuilder(renderer, Site);
        var summaries = posts.Select(p => p.ToSummary()).OrderByDescending(p => p.PublishedAt).ToList();

        // The site as it stands (the manifest the publisher keeps), and a warm renderer, as in a running worker.
        var manifest = (await builder.ListPagesAsync(summaries)).ToDictionary(p => p.Key, p => p.Hash);
        var newPost = new Post("fresh-post", "A fresh post", File.ReadAllText(Directory.EnumerateFiles(corpus).First()).Split("\n---", 2)[1],
            ["aws"], null, PostStatus.Published, 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

        var timings = new List<double>();
        var written = 0;
        var rendered = 0;
        for (var run = 0; run < 5; run++)
        {
            var clock = Stopwatch.StartNew();
            var pages = await builder.ListPagesAsync([newPost.ToSummary(), .. summaries]);
            pages.Add(await builder.PostPageAsync(newPost));
            var changed = pages.Where(p => !manifest.TryGetValue(p.Key, out var hash) || hash != p.Hash).ToList();
            foreach (var page in changed)
            {
                Write(output, page);
            }
            clock.Stop();
            timings.Add(clock.Elapsed.TotalMilliseconds);
            (written, rendered) = (changed.Count, pages.Count);
        }
        timings.Sort();
        Console.WriteLine($"MyBlog publish one post onto {posts.Count}: rendered {rendered} pages, wrote {written}; " +
            $"median {timings[timings.Count / 2]:0} ms (min {timings[0]:0}, max {timings[^1]:0}) over {timings.Count} runs");
    }

    private static void Write(string output, SitePage page)
    {
        var path = Path.Combine(output, page.Key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, page.Body);
    }
}
