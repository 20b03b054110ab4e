using System.Security.Cryptography;
using System.Text;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Site.Components;

namespace MyBlog.Site.Building;

/// <summary>
/// Turns published posts into the pages of the static site. Archive pages are numbered from the oldest post, so
/// publishing a new post changes the home page and the newest archive page only — the other 199 pages of a
/// 2,000-post blog keep their bytes and are not rewritten.
/// </summary>
public sealed class SiteBuilder(SiteRenderer renderer, SiteInfo site)
{
    public const int PageSize = 10;
    private const string Html = "text/html; charset=utf-8";

    public SiteInfo Site => site;

    /// <summary>The same builder for a site whose navigation links <paramref name="navigation"/>.</summary>
    public SiteBuilder WithNavigation(IReadOnlyList<NavigationLink> navigation) => With(site with { Navigation = navigation });

    /// <summary>The same builder for the site as <paramref name="info"/> describes it (its settings, its navigation).</summary>
    public SiteBuilder With(SiteInfo info) => info == site ? this : new SiteBuilder(renderer, info);

    /// <summary>
    /// A post's page; pass the summary when the caller already has it, to skip describing the text again, and the
    /// ready photos it shows (<see cref="Post.PhotoIds"/>) so they render as responsive pictures.
    /// </summary>
    public Task<SitePage> PostPageAsync(Post post, PostSummary? summary = null, IReadOnlyDictionary<string, PhotoImage>? photos = null)
    {
        var cover = post.CoverPhotoId is { } id && photos?.TryGetValue(id, out var photo) == true ? photo : null;
        if (summary is null)
        {
            var (html, described) = post.Render(photos, lazyFromFirst: cover is not null);
            return PageAsync(post, described, html, cover);
        }
        return PageAsync(post, summary, PostContent.ToHtml(post.Markdown, photos, lazyFromFirst: cover is not null), cover);
    }

    /// <summary>A post's page from its summary and HTML as <see cref="Post.Render"/> made them (no photos).</summary>
    public Task<SitePage> PostPageAsync(Post post, PostSummary summary, string html) => PageAsync(post, summary, html, null);

    private async Task<SitePage> PageAsync(Post post, PostSummary summary, string html, PhotoImage? cover) => new(
        post.Path,
        await renderer.RenderAsync<Components.PostPage>(new Dictionary<string, object?>
        {
            ["Site"] = site, ["Summary"] = summary, ["Cover"] = cover, ["Html"] = html,
        }),
        Html, SitePage.Revalidate);

    /// <summary>
    /// Everything but the post pages: home, archive and tag pages, feeds, sitemap (which lists the published
    /// <paramref name="pages"/> too), robots.txt, 404, assets.
    /// </summary>
    public async Task<List<SitePage>> ListPagesAsync(IReadOnlyList<PostSummary> newestFirst, IReadOnlyList<PostSummary>? pages = null) =>
        (await ListsAsync(newestFirst, pages, renderedFrom: null)).Rendered;

    /// <summary>
    /// The same pages, except that a list page (home, archive or tag page) whose inputs are those it was last rendered
    /// from — <paramref name="renderedFrom"/>, by key, as <see cref="SiteLists.Inputs"/> gave them — is not rendered
    /// again: its bytes would be the same. Deciding costs a hash of ten summaries, not a render, so publishing one
    /// post renders the few list pages it lands on whatever the size of the site.
    /// </summary>
    public async Task<SiteLists> ListsAsync(IReadOnlyList<PostSummary> newestFirst, IReadOnlyList<PostSummary>? pages,
        IReadOnlyDictionary<string, string>? renderedFrom)
    {
        var sitePages = pages ?? [];
        var lists = new SiteLists(renderedFrom);
        var list = lists.Rendered;
        list.AddRange(site.Assets.Files);
        await AddSeriesAsync(lists, "/", newestFirst, site.Name, null, site.Description ?? $"The latest posts on {site.Name}.",
            number => ($"Page {number}", $"Posts, page {number}", $"Posts on {site.Name}, page {number}."));

        var tags = newestFirst.SelectMany(p => p.Tags.Select(t => (Tag: t, Post: p)))
            .GroupBy(x => x.Tag, x => x.Post)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            await AddSeriesAsync(lists, SiteInfo.TagPath(tag.Key), tag.ToList(), $"#{tag.Key}", $"Posts tagged #{tag.Key}",
                $"Posts on {site.Name} tagged {tag.Key}.",
                number => ($"#{tag.Key}, page {number}", $"Posts tagged #{tag.Key}, page {number}", $"Posts on {site.Name} tagged {tag.Key}, page {number}."));
        }

        list.Add(new SitePage("/feed.xml", Feeds.Atom(site, newestFirst), "application/atom+xml; charset=utf-8", SitePage.Revalidate));
        list.Add(new SitePage("/rss.xml", Feeds.Rss(site, newestFirst), "application/rss+xml; charset=utf-8", SitePage.Revalidate));
        list.Add(new SitePage("/robots.txt", Feeds.Robots(site), "text/plain; charset=utf-8", SitePage.Revalidate));
        var listed = lists.ListPaths.Select(p => (p, (DateTimeOffset?)null))
            .Concat(newestFirst.Concat(sitePages).Select(p => (p.Path, (DateTimeOffset?)p.UpdatedAt)));
        list.Add(new SitePage("/sitemap.xml", Feeds.Sitemap(site, listed), "application/xml; charset=utf-8", SitePage.Revalidate));

        list.Add(await MessageAsync("/404.html", "Page not found", "There is nothing at this address. Perhaps the post moved or was unpublished."));
        list.Add(await MessageAsync("/subscribed/", "Check your inbox", "Thanks for subscribing! We've sent you an email with a link to confirm your subscription."));
        return lists;
    }

    public static string ArchivePath(int number) => PagePath("/", number);

    /// <summary>Page <paramref name="number"/> of the series under <paramref name="basePath"/> (the site's, or a tag's).</summary>
    public static string PagePath(string basePath, int number) => $"{basePath}page/{number}/";

    private static int PageOf(int oldestFirstIndex) => oldestFirstIndex / PageSize + 1;

    /// <summary>
    /// A list and its numbered pages: the first page at <paramref name="basePath"/> shows the newest posts, and
    /// page n under it holds posts (n−1)·10+1 to n·10 counted from the oldest — so a new post changes the first page
    /// and the newest numbered page only, whether the series is the whole site or one tag with hundreds of posts.
    /// </summary>
    private async Task AddSeriesAsync(SiteLists pages, string basePath, IReadOnlyList<PostSummary> newestFirst,
        string title, string? heading, string description, Func<int, (string Title, string Heading, string Description)> page)
    {
        var oldestFirst = newestFirst.Reverse().ToList();
        var numbered = (oldestFirst.Count + PageSize - 1) / PageSize;

        // The first page: the newest posts; "older" leads to the numbered page holding the next one.
        var olderFromFirst = newestFirst.Count > PageSize ? PagePath(basePath, PageOf(oldestFirst.Count - PageSize - 1)) : null;
        await AddListAsync(pages, basePath, title, heading, newestFirst.Take(PageSize).ToList(), olderFromFirst, null, description);
        if (olderFromFirst is null && basePath != "/")
        {
            return; // a tag that fits on one page needs no numbered pages
        }

        for (var number = 1; number <= numbered; number++)
        {
            var slice = oldestFirst.Skip((number - 1) * PageSize).Take(PageSize).Reverse().ToList();
            var (pageTitle, pageHeading, pageDescription) = page(number);
            // No "of N" in the heading: the page count changes with every tenth post and would rewrite every page.
            await AddListAsync(pages, PagePath(basePath, number), pageTitle, pageHeading, slice,
                number > 1 ? PagePath(basePath, number - 1) : null,
                number < numbered ? PagePath(basePath, number + 1) : basePath,
                pageDescription);
        }
    }

    private async Task AddListAsync(SiteLists lists, string path, string title, string? heading, IReadOnlyList<PostSummary> posts,
        string? older, string? newer, string description)
    {
        var inputs = ListInputs(path, title, heading, description, posts, older, newer);
        if (lists.Keep(path, inputs))
        {
            return;
        }
        lists.Rendered.Add(new(path,
            await renderer.RenderAsync<ListPage>(new Dictionary<string, object?>
            {
                ["Site"] = site, ["Title"] = title, ["Heading"] = heading, ["Description"] = description, ["Path"] = path,
                ["Posts"] = posts, ["Older"] = older, ["Newer"] = newer,
            }),
            Html, SitePage.Revalidate));
    }

    /// <summary>
    /// A digest of everything a list page's bytes follow from: the templates' build, the site (settings, navigation,
    /// address, assets), the page's own words and links, and every field of its posts' summaries.
    /// </summary>
    private string ListInputs(string path, string title, string? heading, string description, IReadOnlyList<PostSummary> posts,
        string? older, string? newer)
    {
        var text = new StringBuilder(256 + posts.Count * 256)
            .Append(siteInputs ??= SiteInputs()).Append(Field)
            .Append(path).Append(Field).Append(title).Append(Field).Append(heading).Append(Field).Append(description).Append(Field)
            .Append(older).Append(Field).Append(newer);
        foreach (var post in posts)
        {
            text.Append(Record).Append(post.Slug).Append(Field).Append((int)post.Kind).Append(Field).Append(post.Title).Append(Field)
                .Append(post.Summary).Append(Field).AppendJoin(Unit, post.Tags).Append(Field).Append((int)post.Status).Append(Field)
                .Append(post.Version).Append(Field).Append(post.CreatedAt.UtcTicks).Append(Field).Append(post.UpdatedAt.UtcTicks).Append(Field)
                .Append(post.PublishedAt?.UtcTicks).Append(Field).Append(post.ReadingMinutes);
        }
        return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())), 0, 18);
    }

    private const char Field = '\u001f';
    private const char Record = '\u001e';
    private const char Unit = '\u001d';

    private string? siteInputs;

    private string SiteInputs() => string.Join(Field,
        typeof(SiteBuilder).Assembly.ManifestModule.ModuleVersionId, // a new build of the templates renders everything again
        site.BaseUrl, site.Fingerprint(), site.Assets.Css, site.Assets.Js);

    private async Task<SitePage> MessageAsync(string path, string title, string message) => new(path,
        await renderer.RenderAsync<MessagePage>(new Dictionary<string, object?>
        {
            ["Site"] = site, ["Title"] = title, ["Message"] = message, ["Path"] = path,
        }),
        Html, SitePage.Revalidate);
}

/// <summary>
/// The pages <see cref="SiteBuilder.ListsAsync"/> rendered, and the inputs of every list page of the site — rendered
/// now or kept as it was — to be given back next time.
/// </summary>
public sealed class SiteLists(IReadOnlyDictionary<string, string>? renderedFrom)
{
    public List<SitePage> Rendered { get; } = [];

    /// <summary>Each list page's key and the digest of what it is rendered from.</summary>
    public Dictionary<string, string> Inputs { get; } = new(StringComparer.Ordinal);

    /// <summary>The URL paths of the list pages, rendered or kept, in the site's order.</summary>
    public List<string> ListPaths { get; } = [];

    /// <summary>Every key the site has from these pages: the rendered ones and the list pages kept as they are.</summary>
    public IEnumerable<string> Keys => Rendered.Select(p => p.Key).Union(Inputs.Keys, StringComparer.Ordinal);

    /// <summary>Records the list page's inputs, and whether its page is the one already rendered from them.</summary>
    internal bool Keep(string path, string inputs)
    {
        var key = SitePage.KeyFor(path);
        Inputs[key] = inputs;
        ListPaths.Add(path);
        return renderedFrom?.TryGetValue(key, out var before) == true && before == inputs;
    }
}
