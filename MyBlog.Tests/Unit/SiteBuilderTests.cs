using System.Xml.Linq;
using MyBlog.Core.Posts;
using MyBlog.Site.Building;

namespace MyBlog.Tests.Unit;

public sealed class SiteBuilderTests
{
    private static readonly SiteInfo Site = new("Ada's <Notes> & more", new Uri("https://notes.example.com/"), SiteAssets.Load());

    private static PostSummary Summary(int i, params string[] tags) => new(
        $"post-{i}", $"Post {i} <&>", $"Summary {i} & \"quotes\"", tags, PostStatus.Published, 1,
        DateTimeOffset.UnixEpoch.AddDays(i), DateTimeOffset.UnixEpoch.AddDays(i), DateTimeOffset.UnixEpoch.AddDays(i), 2);

    private static List<PostSummary> NewestFirst(int count) => Enumerable.Range(1, count).Reverse().Select(i => Summary(i, "news")).ToList();

    [Fact]
    public void Feeds_and_sitemap_are_well_formed_xml_with_escaped_text()
    {
        var posts = NewestFirst(25);
        var atom = XDocument.Parse(System.Text.Encoding.UTF8.GetString(Feeds.Atom(Site, posts)));
        var rss = XDocument.Parse(System.Text.Encoding.UTF8.GetString(Feeds.Rss(Site, posts)));
        var sitemap = XDocument.Parse(System.Text.Encoding.UTF8.GetString(Feeds.Sitemap(Site, posts.Select(p => (p.Path, (DateTimeOffset?)p.UpdatedAt)))));

        XNamespace a = "http://www.w3.org/2005/Atom";
        Assert.Equal(Feeds.FeedSize, atom.Root!.Elements(a + "entry").Count());
        Assert.Equal("Post 25 <&>", atom.Root.Element(a + "entry")!.Element(a + "title")!.Value);
        Assert.Equal("https://notes.example.com/posts/post-25/", atom.Root.Element(a + "entry")!.Element(a + "id")!.Value);
        Assert.Equal(Feeds.FeedSize, rss.Root!.Element("channel")!.Elements("item").Count());
        XNamespace sm = "http://www.sitemaps.org/schemas/sitemap/0.9";
        Assert.Equal(25, sitemap.Root!.Elements(sm + "url").Count());
    }

    [Fact]
    public async Task Archive_pages_are_numbered_from_the_oldest_so_a_new_post_changes_few_pages()
    {
        await using var renderer = new SiteRenderer();
        var builder = new SiteBuilder(renderer, Site);

        var before = (await builder.ListPagesAsync(NewestFirst(95))).ToDictionary(p => p.Path, p => p.Hash);
        var after = (await builder.ListPagesAsync(NewestFirst(96))).ToDictionary(p => p.Path, p => p.Hash);

        var changed = after.Where(p => !before.TryGetValue(p.Key, out var hash) || hash != p.Value).Select(p => p.Key).ToHashSet();
        Assert.Equal(10, after.Keys.Count(k => k.StartsWith("/page/", StringComparison.Ordinal)));
        Assert.Contains("/", changed);
        Assert.Contains("/page/10/", changed);
        Assert.DoesNotContain("/page/1/", changed);
        Assert.DoesNotContain("/page/8/", changed);
        Assert.True(changed.Count <= 8, $"changed: {string.Join(", ", changed)}");
    }

    [Fact]
    public async Task Tag_pages_are_paginated_like_the_archive()
    {
        await using var renderer = new SiteRenderer();
        var builder = new SiteBuilder(renderer, Site);
        // 250 posts tagged "news", every third also "code" (84 posts); one post alone in "rare".
        List<PostSummary> Posts(int count) => Enumerable.Range(1, count).Reverse()
            .Select(i => Summary(i, i % 3 == 0 ? ["news", "code"] : i == 7 ? ["news", "rare"] : ["news"])).ToList();

        var before = (await builder.ListPagesAsync(Posts(250))).ToDictionary(p => p.Path);
        var after = (await builder.ListPagesAsync(Posts(251))).ToDictionary(p => p.Path);

        Assert.Equal(25, before.Keys.Count(k => k.StartsWith("/tags/news/page/", StringComparison.Ordinal)));
        Assert.Equal(9, before.Keys.Count(k => k.StartsWith("/tags/code/page/", StringComparison.Ordinal)));
        Assert.DoesNotContain(before.Keys, k => k.StartsWith("/tags/rare/page/", StringComparison.Ordinal));
        var first = Html(before["/tags/news/"]);
        Assert.Equal(10, Count(first, "<h2><a href=\"/posts/"));
        Assert.Contains("post-250/", first);
        Assert.Contains("href=\"/tags/news/page/24/\"", first); // older: the page holding post 240
        var oldest = Html(before["/tags/news/page/1/"]);
        Assert.Contains("post-1/", oldest);
        Assert.Contains("post-10/", oldest);
        Assert.DoesNotContain("post-11/", oldest);
        Assert.Contains("href=\"/tags/news/page/2/\"", oldest);

        // Post 251 is tagged "news" only: the "news" first and newest pages change, no older one, nothing of "code".
        var changed = after.Where(p => !before.TryGetValue(p.Key, out var old) || old.Hash != p.Value.Hash).Select(p => p.Key).ToHashSet();
        Assert.Contains("/tags/news/", changed);
        Assert.Contains("/tags/news/page/26/", changed);
        Assert.DoesNotContain("/tags/news/page/24/", changed);
        Assert.DoesNotContain("/tags/news/page/1/", changed);
        Assert.DoesNotContain(changed, k => k.StartsWith("/tags/code/", StringComparison.Ordinal));
        Assert.True(changed.Count <= 10, $"changed: {string.Join(", ", changed)}");
    }

    /// <summary>
    /// Every kind of change a publish meets — a new post, one backdated into the middle, one unpublished, retagged,
    /// retitled, a tag emptied, the site renamed — against a full render of before and after: the list pages left
    /// unrendered are exactly those whose bytes a full render keeps, and what is rendered has a full render's bytes.
    /// </summary>
    [Theory]
    [InlineData("new")]
    [InlineData("backdated")]
    [InlineData("unpublished")]
    [InlineData("retagged")]
    [InlineData("retitled")]
    [InlineData("emptied-tag")]
    [InlineData("renamed-site")]
    [InlineData("nothing")]
    public async Task A_list_page_is_rendered_again_exactly_when_what_it_shows_changed(string change)
    {
        await using var renderer = new SiteRenderer();
        var builder = new SiteBuilder(renderer, Site);
        var before = Enumerable.Range(1, 137).Reverse()
            .Select(i => Summary(i, i % 4 == 0 ? ["news", "code"] : i == 50 ? ["news", "lonely"] : ["news"])).ToList();
        var after = change switch
        {
            "new" => [Summary(138, "code"), .. before],
            "backdated" => [.. before, Summary(0, "news")],
            "unpublished" => before.Where(p => p.Slug != "post-64").ToList(),
            "retagged" => before.Select(p => p.Slug == "post-12" ? p with { Tags = ["news"] } : p).ToList(),
            "retitled" => before.Select(p => p.Slug == "post-33" ? p with { Title = "Thirty-three", Version = 2 } : p).ToList(),
            "emptied-tag" => before.Select(p => p.Slug == "post-50" ? p with { Tags = ["news"] } : p).ToList(),
            _ => before,
        };
        var afterBuilder = change == "renamed-site" ? builder.With(Site with { Name = "Renamed" }) : builder;

        var full = await builder.ListsAsync(before, null, null);
        var fullAfter = (await afterBuilder.ListsAsync(after, null, null)).Rendered.ToDictionary(p => p.Key);
        var scoped = await afterBuilder.ListsAsync(after, null, full.Inputs);

        var listKeys = scoped.Inputs.Keys.ToHashSet();
        Assert.Equal(fullAfter.Keys.Order(), scoped.Keys.Order());
        var beforeBytes = full.Rendered.ToDictionary(p => p.Key, p => p.Hash);
        var changed = listKeys.Where(k => beforeBytes.GetValueOrDefault(k) != fullAfter[k].Hash).ToHashSet();
        var rendered = scoped.Rendered.Where(p => listKeys.Contains(p.Key)).ToDictionary(p => p.Key);
        Assert.Equal(changed.Order(), rendered.Keys.Order());
        Assert.All(rendered.Values, p => Assert.Equal(fullAfter[p.Key].Hash, p.Hash));
        Assert.Equal(fullAfter["sitemap.xml"].Hash, scoped.Rendered.Single(p => p.Key == "sitemap.xml").Hash);
        if (change == "nothing")
        {
            Assert.Empty(rendered);
        }
        if (change == "new")
        {
            Assert.InRange(rendered.Count, 2, 6); // the home page, the newest archive page, the tag's pages
        }
    }

    private static string Html(SitePage page) => System.Text.Encoding.UTF8.GetString(page.Body);

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [Fact]
    public async Task Pages_escape_what_authors_type_and_keep_non_latin_text_readable()
    {
        await using var renderer = new SiteRenderer();
        var builder = new SiteBuilder(renderer, Site);
        var post = new Post("안녕하세요", "안녕하세요 <script>", "본문 **굵게**", ["한국어"], null, PostStatus.Published, 1,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        var html = System.Text.Encoding.UTF8.GetString((await builder.PostPageAsync(post)).Body);

        Assert.StartsWith("<!doctype html>", html);
        Assert.Contains("<h1>안녕하세요 &lt;script&gt;</h1>", html);
        Assert.Contains("<strong>굵게</strong>", html);
        Assert.Contains("href=\"/tags/한국어/\"", html);
        Assert.Contains("<meta property=\"og:type\" content=\"article\"", html);
    }

    [Fact]
    public async Task A_page_is_at_the_top_level_without_date_or_tags_and_the_navigation_is_on_every_page()
    {
        await using var renderer = new SiteRenderer();
        var about = new Post("about", "About me", "Who *writes* here.", [], null, PostStatus.Published, 2,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch) { Kind = PostKind.Page, InNavigation = true };
        var builder = new SiteBuilder(renderer, Site).WithNavigation([new NavigationLink(about.Title, about.Path)]);

        var page = await builder.PostPageAsync(about);
        var html = System.Text.Encoding.UTF8.GetString(page.Body);
        Assert.Equal("/about/", page.Path);
        Assert.Contains("<em>writes</em>", html);
        Assert.DoesNotContain("min read", html);
        Assert.Contains("<a href=\"/about/\" aria-current=\"page\">About me</a>", html);
        Assert.Contains("property=\"og:type\" content=\"website\"", html);

        var list = await builder.ListPagesAsync(NewestFirst(3), [about.ToSummary()]);
        var home = System.Text.Encoding.UTF8.GetString(list.Single(p => p.Path == "/").Body);
        Assert.Contains("<a href=\"/about/\">About me</a>", home);
        Assert.Contains("https://notes.example.com/about/", System.Text.Encoding.UTF8.GetString(list.Single(p => p.Path == "/sitemap.xml").Body));
        Assert.DoesNotContain("/about/", System.Text.Encoding.UTF8.GetString(list.Single(p => p.Path == "/feed.xml").Body));
        var post = System.Text.Encoding.UTF8.GetString((await builder.PostPageAsync(new Post("post-9", "Nine", "9", ["news"], null, PostStatus.Published, 1,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch))).Body);
        Assert.Contains("<a href=\"/about/\">About me</a>", post);
        Assert.Contains("min read", post);
    }

    [Theory]
    [InlineData("post", null, true)]
    [InlineData("page", null, true)]
    [InlineData("page", "news", false)]
    [InlineData("chapter", null, false)]
    [InlineData("7", null, false)]
    public void A_post_s_kind_is_a_post_or_a_page_and_a_page_has_no_tags(string kind, string? tag, bool valid)
    {
        var input = new PostInput("Title", "text", tag is null ? [] : [tag], null, Kind: kind);
        Assert.Equal(valid, input.TryValidate(out var post, out var errors));
        if (valid)
        {
            Assert.Equal(kind == "page" ? PostKind.Page : PostKind.Post, post.Kind);
        }
        else
        {
            Assert.True(errors.ContainsKey("kind") || errors.ContainsKey("tags"));
        }
        Assert.False(new PostInput("Title", "text", [], null, InNavigation: true).TryValidate(out _, out var navErrors));
        Assert.True(navErrors.ContainsKey("inNavigation"));
    }
}
