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
}
