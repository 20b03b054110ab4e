using System.Diagnostics;
using Microsoft.Extensions.Options;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Settings;
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
    PostStore posts, PhotoStore photos, SettingsStore settings, SiteBuilder builder, SiteBucket bucket, IEdgeInvalidator edge, PublishLock publishLock,
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
        var listed = await posts.AllPublishedAsync(PostKind.Post, ct);
        var listedPages = await posts.AllPublishedAsync(PostKind.Page, ct);

        // The list index is eventually consistent: the posts a publish is about are read consistently, and their
        // state wins over what the index says (a post published a moment ago is on the home page too).
        var changed = rebuildAll ? new Dictionary<string, Post>() : await posts.GetManyAsync(changedSlugs, ct);
        var published = Merge(listed, changed.Values.Where(p => p.Kind == PostKind.Post), changedSlugs);
        var pages = Merge(listedPages, changed.Values.Where(p => p.Kind == PostKind.Page), changedSlugs);

        // Every page of the site shows the settings and links the pages in the navigation: when either changes (a
        // new title, a page added, renamed or taken out), every page is rendered again — and written only where its
        // bytes changed; otherwise only what the change touches.
        var fullPages = await posts.GetManyAsync(pages.Select(p => p.Slug), ct);
        var navigation = pages.Select(p => fullPages.GetValueOrDefault(p.Slug) ?? changed.GetValueOrDefault(p.Slug))
            .Where(p => p is { Kind: PostKind.Page, Status: PostStatus.Published, InNavigation: true })
            .OrderBy(p => p!.Title, StringComparer.CurrentCultureIgnoreCase).ThenBy(p => p!.Slug, StringComparer.Ordinal)
            .Select(p => new NavigationLink(p!.Title, p.Path))
            .ToList();
        var site = builder.With(await SiteInfoAsync(navigation, ct));
        var siteHash = Hash(site.Site.Fingerprint());
        rebuildAll |= (manifest.GetValueOrDefault(SiteKey) ?? Hash(builder.Site.Fingerprint())) != siteHash;
        var loaded = clock.Elapsed;

        var run = new PublishRun(manifest);
        run.Produced.Add(SiteKey);
        // A list page is rendered again only when what it shows changed; a rebuild renders every one.
        var lists = await site.ListsAsync(published, pages, rebuildAll ? null : ListInputs(manifest));
        await run.WriteAsync(lists.Rendered, bucket, ct);
        run.Produced.UnionWith(lists.Inputs.Keys);
        var gone = new List<string>();
        if (rebuildAll)
        {
            foreach (var chunk in published.Concat(pages).Select(p => p.Slug).Chunk(ChunkSize))
            {
                var chunkPosts = await posts.GetManyAsync(chunk, ct);
                await run.WriteAsync(await RenderAsync(site, chunkPosts.Values.Where(p => p.Status == PostStatus.Published), run, ct), bucket, ct);
            }
        }
        else
        {
            await run.WriteAsync(await RenderAsync(site, changed.Values.Where(p => p.Status == PostStatus.Published), run, ct), bucket, ct);
            // A post or page unpublished or deleted: its page goes, wherever its kind had it.
            gone.AddRange(changedSlugs.Where(slug => changed.GetValueOrDefault(slug)?.Status != PostStatus.Published)
                .SelectMany(slug => new[] { PostSummary.PathFor(slug, PostKind.Post), PostSummary.PathFor(slug, PostKind.Page) })
                .Select(SitePage.KeyFor));
        }
        if (rebuildAll)
        {
            // A page the index does not account for is checked against the post itself before it goes: the index
            // may not show a post published a moment ago.
            var unlisted = manifest.Keys.Where(k => !run.Produced.Contains(k) && SlugOfPageKey(k) is not null)
                .Select(k => SlugOfPageKey(k)!).ToList();
            var stillPublished = (await posts.GetManyAsync(unlisted, ct)).Values.Where(p => p.Status == PostStatus.Published);
            await run.WriteAsync(await RenderAsync(site, stillPublished, run, ct), bucket, ct);
        }
        var rendered = clock.Elapsed;

        // List pages that are no longer produced (an emptied tag, a removed archive page) disappear too; in a
        // rebuild, so does any post or page that is not (one unpublished while no publisher saw it).
        // A post's old addresses (redirects) go with the post, or when the post no longer has them.
        var keptPages = pages.Select(p => SitePage.KeyFor(p.Path)).ToHashSet(StringComparer.Ordinal);
        var touched = changedSlugs.ToHashSet(StringComparer.Ordinal);
        gone.AddRange(manifest.Where(e => !run.Produced.Contains(e.Key) && !IsNote(e.Key)
            && (rebuildAll || (SitePage.RedirectOwner(e.Value) is { } owner
                ? touched.Contains(owner)
                : !e.Key.StartsWith("posts/", StringComparison.Ordinal) && !keptPages.Contains(e.Key)))).Select(e => e.Key));
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
        manifest[SiteKey] = siteHash;
        foreach (var note in manifest.Keys.Where(k => k.StartsWith(InputsNote, StringComparison.Ordinal)).ToList())
        {
            manifest.Remove(note);
        }
        foreach (var (key, inputs) in lists.Inputs)
        {
            manifest[InputsNote + key] = inputs;
        }
        await bucket.WriteManifestAsync(manifest, ct);

        var result = new PublishResult(run.Written.Count, gone.Count, run.Rendered, loaded, rendered - loaded, written - rendered);
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
    private async Task<List<SitePage>> RenderAsync(SiteBuilder site, IEnumerable<Post> toRender, PublishRun run, CancellationToken ct)
    {
        var batch = toRender.ToList();
        var ready = await photos.GetReadyImagesAsync(batch.SelectMany(p => p.PhotoIds()).Distinct(), ct);
        var pages = new Dictionary<string, SitePage>(batch.Count, StringComparer.Ordinal);
        var again = new List<Post>();
        foreach (var post in batch)
        {
            if (await RenderAsync(site, post, ready, run) is { } page)
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
                if (await RenderAsync(site, post, nowReady, run) is { } page)
                {
                    pages[post.Slug] = page;
                }
            }
        }
        var real = pages.Values.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        return [.. pages.Values, .. batch.SelectMany(post => Redirects(post, run)).Where(r => !real.Contains(r.Key))];
    }

    /// <summary>
    /// The post's old addresses, each a redirect to its page — except where the site has a page of its own (a
    /// redirect never stands in a page's place) or where the post itself now is.
    /// </summary>
    private static IEnumerable<SitePage> Redirects(Post post, PublishRun run) =>
        post.OldPaths
            .Where(old => SitePage.KeyFor(old) != SitePage.KeyFor(post.Path) && !run.IsPage(SitePage.KeyFor(old)))
            .Select(old => SitePage.Redirect(old, post.Path, post.Slug));

    private async Task<SitePage?> RenderAsync(SiteBuilder site, Post post, IReadOnlyDictionary<string, PhotoImage> ready, PublishRun run)
    {
        try
        {
            return await site.PostPageAsync(post, photos: post.PhotoIds().Any() ? ready : null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "The page of post {Slug} could not be rendered; it keeps its previous version", post.Slug);
            run.Produced.Add(SitePage.KeyFor(post.Path));
            return null;
        }
    }

    /// <summary>
    /// The manifest's note of the site the pages were rendered for — its settings and navigation (a hash; a key
    /// starting with '#' is a note, never an object's key): when it changes, every page is rendered again.
    /// </summary>
    private const string SiteKey = "#site";

    /// <summary>
    /// The manifest's note of what a list page was last rendered from (<c>#inputs:{key}</c>): the same inputs make
    /// the same bytes, so the page is neither rendered nor written again.
    /// </summary>
    private const string InputsNote = "#inputs:";

    private static bool IsNote(string key) => key.StartsWith('#');

    /// <summary>The list pages' inputs as last published, for the pages the site still has.</summary>
    private static Dictionary<string, string> ListInputs(Dictionary<string, string> manifest) => manifest
        .Where(e => e.Key.StartsWith(InputsNote, StringComparison.Ordinal) && manifest.ContainsKey(e.Key[InputsNote.Length..]))
        .ToDictionary(e => e.Key[InputsNote.Length..], e => e.Value, StringComparer.Ordinal);

    private static string Hash(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>The site as its settings describe it, with the pages' navigation and then the author's own links.</summary>
    private async Task<SiteInfo> SiteInfoAsync(IReadOnlyList<NavigationLink> pageLinks, CancellationToken ct)
    {
        var current = await settings.GetAsync(ct);
        var images = await photos.GetReadyImagesAsync(new[] { current.AuthorPhotoId, current.SocialImageId }.OfType<string>(), ct);
        return builder.Site with
        {
            Name = current.Title,
            Description = current.Description,
            Language = current.Language,
            AuthorName = current.AuthorName,
            AuthorPhoto = current.AuthorPhotoId is { } author ? images.GetValueOrDefault(author) : null,
            Footer = current.Footer,
            Social = [.. current.Social.Select(l => new NavigationLink(l.Label, l.Url))],
            SocialImage = current.SocialImageId is { } image ? images.GetValueOrDefault(image) : null,
            Navigation = [.. pageLinks, .. current.Navigation.Select(l => new NavigationLink(l.Label, l.Url))],
        };
    }

    /// <summary>The slug of a post's page (<c>posts/{slug}/index.html</c>) or a page's (<c>{slug}/index.html</c>), or null for any other key.</summary>
    private static string? SlugOfPageKey(string key) => key.Split('/') switch
    {
        ["posts", var slug, "index.html"] when Slug.IsValid(slug) => slug,
        [var slug, "index.html"] when Slug.IsValid(slug) && !PostSummary.ReservedPageSlugs.Contains(slug) => slug,
        _ => null,
    };

    /// <summary>What one publish has produced and written so far (keys and content hashes only: the pages are let go).</summary>
    private sealed class PublishRun(Dictionary<string, string> manifest)
    {
        public HashSet<string> Produced { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Written { get; } = new(StringComparer.Ordinal);

        /// <summary>How many pages were rendered (and compared with the manifest), redirects included.</summary>
        public int Rendered { get; private set; }

        /// <summary>Whether the key holds one of the site's pages (not a redirect), as written before or in this run.</summary>
        public bool IsPage(string key) =>
            (Written.TryGetValue(key, out var hash) || manifest.TryGetValue(key, out hash)) && SitePage.RedirectOwner(hash) is null;

        public async Task WriteAsync(IReadOnlyCollection<SitePage> pages, SiteBucket bucket, CancellationToken ct)
        {
            var writes = pages.Where(p => !manifest.TryGetValue(p.Key, out var hash) || hash != p.Hash).ToList();
            await Parallel.ForEachAsync(writes, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                async (page, token) => await bucket.PutAsync(page, token));
            Produced.UnionWith(pages.Select(p => p.Key));
            Rendered += pages.Count;
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
