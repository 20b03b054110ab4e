using System.Diagnostics;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Site.Building;

namespace MyBlog.Workers.Publishing;

/// <summary>
/// Brings the static site in line with the posts: renders the pages a change can affect (the changed posts'
/// pages, and the lists, feeds and sitemap, which are cheap to render from summaries), writes only those whose
/// bytes differ from the manifest, deletes pages that no longer exist, and invalidates exactly those paths.
/// </summary>
public sealed class SitePublisher(PostStore posts, PhotoStore photos, SiteBuilder builder, SiteBucket bucket, IEdgeInvalidator edge, ILogger<SitePublisher> logger)
{
    private static readonly ActivitySource Source = new("MyBlog.Publishing");

    /// <summary>Publishes the effect of changes to the given posts.</summary>
    public Task<PublishResult> PublishAsync(IReadOnlyCollection<string> changedSlugs, CancellationToken ct) =>
        RunAsync(changedSlugs, rebuildAll: false, ct);

    /// <summary>Renders every page (first run, template change, or the benchmark).</summary>
    public Task<PublishResult> RebuildAsync(CancellationToken ct) => RunAsync([], rebuildAll: true, ct);

    private async Task<PublishResult> RunAsync(IReadOnlyCollection<string> changedSlugs, bool rebuildAll, CancellationToken ct)
    {
        using var span = Source.StartActivity(rebuildAll ? "site.rebuild" : "site.publish");
        var clock = Stopwatch.StartNew();
        var manifest = await bucket.ReadManifestAsync(ct) ?? [];
        var published = await posts.AllPublishedAsync(ct);
        var loaded = clock.Elapsed;

        var pages = await builder.ListPagesAsync(published);
        var postSlugs = rebuildAll ? published.Select(p => p.Slug).ToList() : changedSlugs.Distinct().ToList();
        var gone = new List<string>();
        foreach (var slug in postSlugs)
        {
            var post = await posts.GetAsync(slug, ct);
            if (post is { Status: PostStatus.Published })
            {
                pages.Add(await builder.PostPageAsync(post, photos: await ReadyPhotosAsync(post, ct)));
            }
            else
            {
                gone.Add(SitePage.KeyFor(PostSummary.PathFor(slug)));
            }
        }
        var rendered = clock.Elapsed;

        var changed = pages.Where(p => !manifest.TryGetValue(p.Key, out var hash) || hash != p.Hash).ToList();
        // List pages that are no longer produced (an emptied tag, a removed archive page) disappear too.
        var produced = pages.Select(p => p.Key).ToHashSet();
        gone.AddRange(manifest.Keys.Where(k => !k.StartsWith("posts/", StringComparison.Ordinal) && !produced.Contains(k)));
        gone = gone.Where(manifest.ContainsKey).Distinct().ToList();

        await Parallel.ForEachAsync(changed, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (page, token) => await bucket.PutAsync(page, token));
        await Parallel.ForEachAsync(gone, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (key, token) => await bucket.DeleteAsync(key, token));
        var written = clock.Elapsed;

        // Invalidate before recording the write: if invalidation fails, the retry finds the same changes again.
        var paths = changed.Select(p => p.Key).Concat(gone).SelectMany(SitePage.UrlPathsFor).Distinct().ToList();
        await edge.InvalidateAsync(paths, ct);

        foreach (var page in changed)
        {
            manifest[page.Key] = page.Hash;
        }
        foreach (var key in gone)
        {
            manifest.Remove(key);
        }
        await bucket.WriteManifestAsync(manifest, ct);

        var result = new PublishResult(changed.Count, gone.Count, pages.Count, loaded, rendered - loaded, written - rendered);
        span?.SetTag("myblog.site.written", result.Written);
        span?.SetTag("myblog.site.deleted", result.Deleted);
        span?.SetTag("myblog.site.rendered", result.Rendered);
        logger.LogInformation("Site published: {Written} written, {Deleted} deleted of {Rendered} rendered (load {Load} ms, render {Render} ms, write {Write} ms)",
            result.Written, result.Deleted, result.Rendered, (int)loaded.TotalMilliseconds, (int)result.RenderTime.TotalMilliseconds, (int)result.WriteTime.TotalMilliseconds);
        return result;
    }

    private async Task<IReadOnlyDictionary<string, PhotoImage>?> ReadyPhotosAsync(Post post, CancellationToken ct)
    {
        var ids = post.PhotoIds().ToList();
        if (ids.Count == 0)
        {
            return null;
        }
        return await photos.GetReadyImagesAsync(ids, ct);
    }
}

public sealed record PublishResult(int Written, int Deleted, int Rendered, TimeSpan LoadTime, TimeSpan RenderTime, TimeSpan WriteTime);
