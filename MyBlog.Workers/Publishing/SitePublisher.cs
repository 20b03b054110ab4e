using System.Diagnostics;
using Microsoft.Extensions.Options;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Site.Building;

namespace MyBlog.Workers.Publishing;

/// <summary>
/// Brings the static site in line with the posts: renders the pages a change can affect (the changed posts'
/// pages, and the lists, feeds and sitemap, which are cheap to render from summaries), writes only those whose
/// bytes differ from the manifest, deletes pages that no longer exist, and invalidates exactly those paths.
/// One publisher at a time (<see cref="PublishLock"/>); a rebuild renders and writes the post pages a few hundred
/// at a time, so its memory does not grow with the size of the site.
/// </summary>
public sealed class SitePublisher(
    PostStore posts, PhotoStore photos, SiteBuilder builder, SiteBucket bucket, IEdgeInvalidator edge, PublishLock publishLock,
    IOptions<PublishingOptions> options, ILogger<SitePublisher> logger)
{
    /// <summary>Post pages rendered, compared and written together before the next ones are read.</summary>
    public const int ChunkSize = 200;

    private static readonly ActivitySource Source = new("MyBlog.Publishing");

    /// <summary>Publishes the effect of changes to the given posts.</summary>
    public Task<PublishResult> PublishAsync(IReadOnlyCollection<string> changedSlugs, CancellationToken ct) =>
        RunAsync(changedSlugs, rebuildAll: false, ct);

    /// <summary>Renders every page (first run, template change, or the benchmark).</summary>
    public Task<PublishResult> RebuildAsync(CancellationToken ct) => RunAsync([], rebuildAll: true, ct);

    private async Task<PublishResult> RunAsync(IReadOnlyCollection<string> changedSlugs, bool rebuildAll, CancellationToken ct)
    {
        using var span = Source.StartActivity(rebuildAll ? "site.rebuild" : "site.publish");
        await using var held = await publishLock.AcquireAsync(options.Value.LockWait, ct);
        var clock = Stopwatch.StartNew();
        var manifest = await bucket.ReadManifestAsync(ct) ?? [];
        var listed = await posts.AllPublishedAsync(ct);

        // The list index is eventually consistent: the posts a publish is about are read consistently, and their
        // state wins over what the index says (a post published a moment ago is on the home page too).
        var changed = rebuildAll ? new Dictionary<string, Post>() : await posts.GetManyAsync(changedSlugs, ct);
        var published = rebuildAll ? listed : Merge(listed, changed.Values, changedSlugs);
        var loaded = clock.Elapsed;

        var run = new PublishRun(manifest);
        await run.WriteAsync(await builder.ListPagesAsync(published), bucket, ct);
        var gone = new List<string>();
        if (rebuildAll)
        {
            foreach (var chunk in published.Select(p => p.Slug).Chunk(ChunkSize))
            {
                var chunkPosts = await posts.GetManyAsync(chunk, ct);
                await run.WriteAsync(await RenderAsync(chunkPosts.Values.Where(p => p.Status == PostStatus.Published), run, ct), bucket, ct);
            }
        }
        else
        {
            await run.WriteAsync(await RenderAsync(changed.Values.Where(p => p.Status == PostStatus.Published), run, ct), bucket, ct);
            gone.AddRange(changedSlugs.Where(slug => changed.GetValueOrDefault(slug)?.Status != PostStatus.Published)
                .Select(slug => SitePage.KeyFor(PostSummary.PathFor(slug))));
        }
        if (rebuildAll)
        {
            // A page the index does not account for is checked against the post itself before it goes: the index
            // may not show a post published a moment ago.
            var unlisted = manifest.Keys.Where(k => k.StartsWith("posts/", StringComparison.Ordinal) && !run.Produced.Contains(k))
                .Select(k => k.Split('/')[1]).ToList();
            var stillPublished = (await posts.GetManyAsync(unlisted, ct)).Values.Where(p => p.Status == PostStatus.Published);
            await run.WriteAsync(await RenderAsync(stillPublished, run, ct), bucket, ct);
        }
        var rendered = clock.Elapsed;

        // List pages that are no longer produced (an emptied tag, a removed archive page) disappear too; in a
        // rebuild, so does any post page that is not (a post unpublished while no publisher saw it).
        gone.AddRange(manifest.Keys.Where(k => !run.Produced.Contains(k)
            && (rebuildAll || !k.StartsWith("posts/", StringComparison.Ordinal))));
        gone = gone.Where(manifest.ContainsKey).Distinct().ToList();
        await Parallel.ForEachAsync(gone, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (key, token) => await bucket.DeleteAsync(key, token));
        var written = clock.Elapsed;

        // Invalidate before recording the write: if invalidation fails, the retry finds the same changes again.
        var paths = run.Written.Keys.Concat(gone).SelectMany(SitePage.UrlPathsFor).Distinct().ToList();
        await edge.InvalidateAsync(paths, ct);

        foreach (var (key, hash) in run.Written)
        {
            manifest[key] = hash;
        }
        foreach (var key in gone)
        {
            manifest.Remove(key);
        }
        await bucket.WriteManifestAsync(manifest, ct);

        var result = new PublishResult(run.Written.Count, gone.Count, run.Produced.Count, loaded, rendered - loaded, written - rendered);
        span?.SetTag("myblog.site.written", result.Written);
        span?.SetTag("myblog.site.deleted", result.Deleted);
        span?.SetTag("myblog.site.rendered", result.Rendered);
        logger.LogInformation("Site published: {Written} written, {Deleted} deleted of {Rendered} rendered (load {Load} ms, render and write {Render} ms, delete {Delete} ms)",
            result.Written, result.Deleted, result.Rendered, (int)loaded.TotalMilliseconds, (int)result.RenderTime.TotalMilliseconds, (int)result.WriteTime.TotalMilliseconds);
        return result;
    }

    /// <summary>
    /// The pages of <paramref name="toRender"/>, with the photos they show read at once. A post whose page cannot be
    /// rendered is skipped and keeps its previous page: one post never stops the rest of the site. A page that shows
    /// a photo before it is ready gets a plain image, and the photo notes the post so that its becoming ready
    /// renders the page again; a photo that became ready meanwhile has the page rendered again here.
    /// </summary>
    private async Task<List<SitePage>> RenderAsync(IEnumerable<Post> toRender, PublishRun run, CancellationToken ct)
    {
        var batch = toRender.ToList();
        var ready = await photos.GetReadyImagesAsync(batch.SelectMany(p => p.PhotoIds()).Distinct(), ct);
        var pages = new Dictionary<string, SitePage>(batch.Count, StringComparer.Ordinal);
        var again = new List<Post>();
        foreach (var post in batch)
        {
            if (await RenderAsync(post, ready, run) is { } page)
            {
                pages[post.Slug] = page;
            }
            foreach (var waiting in post.PhotoIds().Where(id => !ready.ContainsKey(id)))
            {
                if (!await photos.TryAwaitReadyAsync(waiting, post.Slug, ct) && !again.Contains(post))
                {
                    again.Add(post); // ready by now, or gone: render with what there is
                }
            }
        }
        if (again.Count > 0)
        {
            var nowReady = await photos.GetReadyImagesAsync(again.SelectMany(p => p.PhotoIds()).Distinct(), ct);
            foreach (var post in again)
            {
                if (await RenderAsync(post, nowReady, run) is { } page)
                {
                    pages[post.Slug] = page;
                }
            }
        }
        return [.. pages.Values];
    }

    private async Task<SitePage?> RenderAsync(Post post, IReadOnlyDictionary<string, PhotoImage> ready, PublishRun run)
    {
        try
        {
            return await builder.PostPageAsync(post, photos: post.PhotoIds().Any() ? ready : null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "The page of post {Slug} could not be rendered; it keeps its previous version", post.Slug);
            run.Produced.Add(SitePage.KeyFor(PostSummary.PathFor(post.Slug)));
            return null;
        }
    }

    /// <summary>What one publish has produced and written so far (keys and content hashes only: the pages are let go).</summary>
    private sealed class PublishRun(Dictionary<string, string> manifest)
    {
        public HashSet<string> Produced { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Written { get; } = new(StringComparer.Ordinal);

        public async Task WriteAsync(IReadOnlyCollection<SitePage> pages, SiteBucket bucket, CancellationToken ct)
        {
            var writes = pages.Where(p => !manifest.TryGetValue(p.Key, out var hash) || hash != p.Hash).ToList();
            await Parallel.ForEachAsync(writes, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                async (page, token) => await bucket.PutAsync(page, token));
            Produced.UnionWith(pages.Select(p => p.Key));
            foreach (var page in writes)
            {
                Written[page.Key] = page.Hash;
            }
        }
    }

    /// <summary>The index's list with the consistently read posts in their place, newest first as the index orders them.</summary>
    private static List<PostSummary> Merge(IReadOnlyList<PostSummary> listed, IEnumerable<Post> current, IEnumerable<string> readConsistently)
    {
        var bySlug = listed.ToDictionary(p => p.Slug, StringComparer.Ordinal);
        foreach (var slug in readConsistently)
        {
            bySlug.Remove(slug);
        }
        foreach (var post in current.Where(p => p.Status == PostStatus.Published))
        {
            bySlug[post.Slug] = post.ToSummary();
        }
        return bySlug.Values
            .OrderByDescending(p => p.PublishedAt)
            .ThenByDescending(p => p.Slug, StringComparer.Ordinal)
            .ToList();
    }
}

public sealed record PublishResult(int Written, int Deleted, int Rendered, TimeSpan LoadTime, TimeSpan RenderTime, TimeSpan WriteTime);
