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
    public async Task<SitePage> PostPageAsync(Post post, PostSummary? summary = null, IReadOnlyDictionary<string, PhotoImage>? photos = null)
    {
        var cover = post.CoverPhotoId is { } id && photos?.TryGetValue(id, out var photo) == true ? photo : null;
        return new(
            post.Path,
            await renderer.RenderAsync<Components.PostPage>(new Dictionary<string, object?>
            {
                ["Site"] = site, ["Summary"] = summary ?? post.ToSummary(), ["Cover"] = cover,
                ["Html"] = photos is null ? post.Html : PostContent.ToHtml(post.Markdown, photos, lazyFromFirst: cover is not null),
            }),
            Html, SitePage.Revalidate);
    }

    /// <summary>
    /// Everything but the post pages: home, archive and tag pages, feeds, sitemap (which lists the published
    /// <paramref name="pages"/> too), robots.txt, 404, assets.
    /// </summary>
    public async Task<List<SitePage>> ListPagesAsync(IReadOnlyList<PostSummary> newestFirst, IReadOnlyList<PostSummary>? pages = null)
    {
        var sitePages = pages ?? [];
        var list = new List<SitePage>(site.Assets.Files);
        await AddSeriesAsync(list, "/", newestFirst, site.Name, null, site.Description ?? $"The latest posts on {site.Name}.",
            number => ($"Page {number}", $"Posts, page {number}", $"Posts on {site.Name}, page {number}."));

        var tags = newestFirst.SelectMany(p => p.Tags.Select(t => (Tag: t, Post: p)))
            .GroupBy(x => x.Tag, x => x.Post)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            await AddSeriesAsync(list, SiteInfo.TagPath(tag.Key), tag.ToList(), $"#{tag.Key}", $"Posts tagged #{tag.Key}",
                $"Posts on {site.Name} tagged {tag.Key}.",
                number => ($"#{tag.Key}, page {number}", $"Posts tagged #{tag.Key}, page {number}", $"Posts on {site.Name} tagged {tag.Key}, page {number}."));
        }

        list.Add(new SitePage("/feed.xml", Feeds.Atom(site, newestFirst), "application/atom+xml; charset=utf-8", SitePage.Revalidate));
        list.Add(new SitePage("/rss.xml", Feeds.Rss(site, newestFirst), "application/rss+xml; charset=utf-8", SitePage.Revalidate));
        list.Add(new SitePage("/robots.txt", Feeds.Robots(site), "text/plain; charset=utf-8", SitePage.Revalidate));
        var listed = list.Where(p => p.ContentType == Html).Select(p => (p.Path, (DateTimeOffset?)null))
            .Concat(newestFirst.Concat(sitePages).Select(p => (p.Path, (DateTimeOffset?)p.UpdatedAt)));
        list.Add(new SitePage("/sitemap.xml", Feeds.Sitemap(site, listed), "application/xml; charset=utf-8", SitePage.Revalidate));

        list.Add(await MessageAsync("/404.html", "Page not found", "There is nothing at this address. Perhaps the post moved or was unpublished."));
        list.Add(await MessageAsync("/subscribed/", "Check your inbox", "Thanks for subscribing! We've sent you an email with a link to confirm your subscription."));
        return list;
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
    private async Task AddSeriesAsync(List<SitePage> pages, string basePath, IReadOnlyList<PostSummary> newestFirst,
        string title, string? heading, string description, Func<int, (string Title, string Heading, string Description)> page)
    {
        var oldestFirst = newestFirst.Reverse().ToList();
        var numbered = (oldestFirst.Count + PageSize - 1) / PageSize;

        // The first page: the newest posts; "older" leads to the numbered page holding the next one.
        var olderFromFirst = newestFirst.Count > PageSize ? PagePath(basePath, PageOf(oldestFirst.Count - PageSize - 1)) : null;
        pages.Add(await ListAsync(basePath, title, heading, newestFirst.Take(PageSize).ToList(), olderFromFirst, null, description));
        if (olderFromFirst is null && basePath != "/")
        {
            return; // a tag that fits on one page needs no numbered pages
        }

        for (var number = 1; number <= numbered; number++)
        {
            var slice = oldestFirst.Skip((number - 1) * PageSize).Take(PageSize).Reverse().ToList();
            var (pageTitle, pageHeading, pageDescription) = page(number);
            // No "of N" in the heading: the page count changes with every tenth post and would rewrite every page.
            pages.Add(await ListAsync(PagePath(basePath, number), pageTitle, pageHeading, slice,
                number > 1 ? PagePath(basePath, number - 1) : null,
                number < numbered ? PagePath(basePath, number + 1) : basePath,
                pageDescription));
        }
    }

    private async Task<SitePage> ListAsync(string path, string title, string? heading, IReadOnlyList<PostSummary> posts,
        string? older, string? newer, string description) => new(path,
        await renderer.RenderAsync<ListPage>(new Dictionary<string, object?>
        {
            ["Site"] = site, ["Title"] = title, ["Heading"] = heading, ["Description"] = description, ["Path"] = path,
            ["Posts"] = posts, ["Older"] = older, ["Newer"] = newer,
        }),
        Html, SitePage.Revalidate);

    private async Task<SitePage> MessageAsync(string path, string title, string message) => new(path,
        await renderer.RenderAsync<MessagePage>(new Dictionary<string, object?>
        {
            ["Site"] = site, ["Title"] = title, ["Message"] = message, ["Path"] = path,
        }),
        Html, SitePage.Revalidate);
}
