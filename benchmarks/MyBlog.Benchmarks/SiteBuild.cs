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
        // Read and parse each post once (its HTML and its summary from one parse), on every core, as Hugo does.
        var files = Directory.GetFiles(corpus, "*.md");
        var posts = new Post[files.Length];
        var rendered = new (string Html, PostSummary Summary)[files.Length];
        Parallel.For(0, files.Length, i =>
        {
            posts[i] = Corpus.ReadPost(files[i]);
            rendered[i] = posts[i].Render();
        });
        var newestFirst = rendered.Select(r => r.Summary).OrderByDescending(p => p.PublishedAt).ToList();
        var parsed = clock.ElapsedMilliseconds;
        long listsDone = 0;

        // One renderer per core (a renderer's dispatcher is single-threaded): the first renders the lists, then joins
        // the others on the post pages; each writes what it renders.
        var renderers = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new SiteRenderer()).ToArray();
        var builders = renderers.Select(r => new SiteBuilder(r, Site)).ToArray();
        var next = -1;
        var listed = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, builders.Length), async (worker, _) =>
        {
            if (worker == 0)
            {
                var lists = await builders[worker].ListPagesAsync(newestFirst);
                foreach (var page in lists)
                {
                    Write(output, page);
                }
                listed = lists.Count;
                listsDone = clock.ElapsedMilliseconds;
            }
            int index;
            while ((index = Interlocked.Increment(ref next)) < posts.Length)
            {
                Write(output, await builders[worker].PostPageAsync(posts[index], rendered[index].Summary, rendered[index].Html));
            }
        });
        clock.Stop();
        foreach (var renderer in renderers)
        {
            await renderer.DisposeAsync();
        }

        Console.WriteLine($"MyBlog full build: {posts.Length} posts → {posts.Length + listed} files in {clock.ElapsedMilliseconds} ms; " +
            $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MB " +
            $"(read and parse {parsed} ms, lists done at {listsDone} ms; started {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds - clock.ElapsedMilliseconds:0} ms before)");
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

        // The site as it stands (the manifest the publisher keeps: each page's hash, each list page's inputs), and a
        // warm renderer, as in a running worker.
        var built = await builder.ListsAsync(summaries, null, null);
        var manifest = built.Rendered.ToDictionary(p => p.Key, p => p.Hash);
        var newPost = new Post("fresh-post", "A fresh post", File.ReadAllText(Directory.EnumerateFiles(corpus).First()).Split("\n---", 2)[1],
            ["aws"], null, PostStatus.Published, 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

        var timings = new List<double>();
        var written = 0;
        var rendered = 0;
        for (var run = 0; run < 5; run++)
        {
            var clock = Stopwatch.StartNew();
            var pages = (await builder.ListsAsync([newPost.ToSummary(), .. summaries], null, built.Inputs)).Rendered;
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
