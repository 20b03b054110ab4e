using System.Xml.Linq;
using AngleSharp.Html.Parser;
using MyBlog.Core.Posts;
using MyBlog.Core.Text;
using MyBlog.Site.Building;

namespace MyBlog.Tests.Unit;

/// <summary>
/// Text an author (or an attacker with a stolen session or key, or an old import) can put into a post: characters XML
/// cannot hold, Markdown attribute syntax, raw HTML. None of it may reach a reader as script, and none of it may stop
/// the site from being written.
/// </summary>
public sealed class HostileTextTests
{
    public static TheoryData<string, string> NotXml => new()
    {
        { "nul \u0000", "U+0000" },
        { "bell \u0007", "U+0007" },
        { "vertical tab \u000B", "U+000B" },
        { "not a character \uFFFE", "U+FFFE" },
        { "not a character \uFFFF", "U+FFFF" },
        { "lone high \uD800 surrogate", "U+D800" },
        { "lone low \uDC00 surrogate", "U+DC00" },
        { "reversed pair \uDC00\uD800", "U+DC00" },
    };

    // Not enumerated at discovery: serializing test data would turn a lone surrogate into U+FFFD before the test sees it.
    [Theory]
    [MemberData(nameof(NotXml), DisableDiscoveryEnumeration = true)]
    public void Characters_XML_cannot_hold_are_found_and_cleaned(string text, string named)
    {
        Assert.StartsWith(named, XmlChars.FirstInvalid(text));
        var clean = XmlChars.Clean(text);
        Assert.Null(XmlChars.FirstInvalid(clean));
        _ = XDocument.Parse($"<x>{System.Security.SecurityElement.Escape(clean)}</x>");
    }

    [Fact]
    public void What_XML_can_hold_is_kept_as_it_is()
    {
        const string text = "tab\t line\n cr\r emoji 😀 hangul 한글 private \uE000 last \uFFFD";
        Assert.Null(XmlChars.FirstInvalid(text));
        Assert.Same(text, XmlChars.Clean(text));
    }

    [Theory]
    [MemberData(nameof(NotXml), DisableDiscoveryEnumeration = true)]
    public void A_post_with_such_a_character_is_refused_naming_the_field(string bad, string named)
    {
        foreach (var (field, input) in new (string, PostInput)[]
        {
            ("title", new($"Title {bad} end", "ok", [], null)),
            ("markdown", new("Fine", $"# Hi\n\n{bad}", [], null)),
            ("excerpt", new("Fine", "ok", [], $"excerpt {bad} end")),
            ("tags", new("Fine", "ok", [$"tag{bad}"], null)),
        })
        {
            Assert.False(input.TryValidate(out _, out var errors), $"{field} with {named} was accepted");
            Assert.Equal([field], errors.Keys);
        }
    }

    [Fact]
    public async Task A_post_stored_with_such_characters_before_they_were_refused_still_gets_its_feeds_and_pages()
    {
        var site = new SiteInfo("Notes \uFFFF", new Uri("https://notes.example.com/"), SiteAssets.Load());
        var old = new PostSummary("old", "Title \uFFFE with \u0001 and \uD800", "Summary \uFFFF", ["news"], PostStatus.Published, 1,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1);
        await using var renderer = new SiteRenderer();
        var pages = await new SiteBuilder(renderer, site).ListPagesAsync([old]);

        foreach (var feed in pages.Where(p => p.ContentType.Contains("xml", StringComparison.Ordinal)))
        {
            var xml = XDocument.Parse(System.Text.Encoding.UTF8.GetString(feed.Body));
            Assert.DoesNotContain('\uFFFE', xml.ToString());
        }
        Assert.Contains(pages, p => p.Path == "/feed.xml");
    }

    [Theory]
    [InlineData("![x](/a.png){onerror=alert(1)}")]
    [InlineData("[x](/a){onclick=alert(1)}")]
    [InlineData("# Heading {onmouseover=alert(1)}")]
    [InlineData("text {#id onfocus=alert(1) autofocus}")]
    [InlineData("![video](https://www.youtube.com/watch?v=dQw4w9WgXcQ)")]
    [InlineData("::: {onclick=alert(1)}\nx\n:::")]
    public void Markdown_attribute_syntax_and_media_links_write_no_attributes_or_frames(string markdown)
    {
        var html = PostContent.ToHtml(markdown);
        AssertSafe(html);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_description_never_shows_the_source_of_raw_HTML()
    {
        var (excerpt, _) = PostContent.Describe("<script>alert(1)</script>\n\n<div class=\"note\">\nA <b>bold</b> start.\n</div>\n\nThe text <em>itself</em>.", null);
        Assert.DoesNotContain("script", excerpt, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<", excerpt, StringComparison.Ordinal);
        Assert.DoesNotContain("&lt;", excerpt, StringComparison.Ordinal);
        Assert.Contains("The text itself.", excerpt, StringComparison.Ordinal);
    }

    private static readonly string[] Fragments =
    [
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>", "<a href=\"javascript:alert(1)\">a</a>",
        "<iframe src=//evil.example></iframe>", "<object data=x></object>", "<embed src=x>", "<form action=//evil.example><button>b</button></form>",
        "<div style=\"background:url(javascript:alert(1))\">d</div>", "<math><mi xlink:href=\"javascript:alert(1)\">m</mi></math>",
        "{onerror=alert(1)}", "{#x .y onload=alert(1)}", "{data-x=\"\\\" onmouseover=alert(1)\"}", "[l](javascript:alert(1))",
        "[l](JaVaScRiPt:alert(1))", "[l](java\tscript:alert(1))", "[l](java&#x09;script:alert(1))", "[l](&#106;avascript:alert(1))",
        "![i](javascript:alert(1))", "<javascript:alert(1)>", "[r]: javascript:alert(1)\n\n[x][r]", "[l](vbscript:x)", "[l](data:text/html,x)",
        "`<script>`", "```html\n<script>alert(1)</script>\n```", "<!-- <script> -->", "<![CDATA[<script>]]>", "<style>*{x:expression(alert(1))}</style>",
        "# h", "**b**", "_i_", "> q", "- l", "1. n", "| a | b |\n|---|---|\n| 1 | 2 |", "- [x] t", "~~s~~", "x[^1]\n\n[^1]: f",
        "\u0000", "\uFFFE", "\uD800", "😀", "한글", "&amp;", "&#0;", "&#xD800;", "\r\n", "\t", "\\", "<", ">", "\"", "'", "=", "{", "}", "(", ")",
    ];

    [Fact]
    public void Random_markdown_with_html_attributes_and_odd_characters_never_yields_script_handlers_or_javascript_urls()
    {
        var random = new Random(20261129);
        for (var i = 0; i < 3000; i++)
        {
            var markdown = string.Concat(Enumerable.Range(0, random.Next(1, 12))
                .Select(_ => Fragments[random.Next(Fragments.Length)] + (random.Next(3) == 0 ? "\n\n" : random.Next(2) == 0 ? " " : "")));
            AssertSafe(PostContent.ToHtml(markdown), markdown);
        }
    }

    private static readonly HtmlParser Parser = new();

    /// <summary>No element that runs script or embeds a document, no event handler, no URL with a scheme but http(s)/mailto.</summary>
    private static void AssertSafe(string html, string? markdown = null)
    {
        var document = Parser.ParseDocument($"<body>{html}</body>");
        foreach (var element in document.Body!.QuerySelectorAll("*"))
        {
            Assert.False(element.LocalName is "script" or "iframe" or "object" or "embed" or "frame" or "base" or "meta" or "link" or "style" or "form",
                $"<{element.LocalName}> from {markdown}");
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"{attribute.Name} from {markdown}");
                if (attribute.Name is "href" or "src" or "action" or "formaction" or "xlink:href" or "srcset" or "poster" or "data")
                {
                    Assert.True(PostContent.IsSafeUrl(attribute.Value), $"{attribute.Name}={attribute.Value} from {markdown}");
                }
            }
        }
    }

    [Theory]
    [InlineData("<img ")]
    [InlineData("<a href=")]
    [InlineData("<div><span>")]
    [InlineData("[a](")]
    public async Task A_post_of_repeated_tag_openings_renders_without_hanging(string opening)
    {
        // As much as a post may hold, all of it openings: what an imported Ghost post's HTML could be.
        var markdown = string.Concat(Enumerable.Repeat(opening, PostInput.MaxMarkdownBytes / opening.Length - 1));

        // A hang, not a speed, is what fails: the bound is generous.
        await Task.Run(() => (PostContent.ToHtml(markdown), PostContent.Describe(markdown, null))).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("[](", 20_000)]
    [InlineData("![a](", 20_000)]
    [InlineData("[ (](", 20_000)]
    [InlineData("[", 2_000)]
    [InlineData("> ", 2_000)]
    [InlineData("1. ", 2_000)]
    [InlineData("**a", 20_000)]
    public void Markdown_no_parser_can_be_trusted_with_is_refused_when_written_and_shown_as_text_if_stored(string opening, int times)
    {
        var markdown = string.Concat(Enumerable.Repeat(opening, times));

        Assert.False(new PostInput("Flood", markdown, [], null).TryValidate(out _, out var errors));
        Assert.StartsWith("The Markdown ", Assert.Single(errors["markdown"]));
        var html = PostContent.ToHtml(markdown);
        Assert.StartsWith("<p>", html);
        Assert.True(PostContent.Describe(markdown, null).ReadingMinutes >= 1);
    }

    [Fact]
    public void Ordinary_posts_with_many_links_nested_lists_and_code_pass_the_check()
    {
        var links = string.Join(" ", Enumerable.Range(0, 300).Select(i => $"[link {i}](https://example.com/{i}) and some words around it"));
        var nested = string.Concat(Enumerable.Range(0, 8).Select(i => new string(' ', i * 2) + "- level\n"));
        var code = "```js\n" + string.Concat(Enumerable.Repeat("a[i](x);\n", 20_000)) + "```\n";

        Assert.Null(PostContent.Pathology(links + "\n\n" + nested + "\n" + code));
    }

    [Fact]
    public void A_post_s_ids_live_in_its_own_namespace_and_it_names_nothing()
    {
        var markdown = "# Send email\n\nSee [below](#send-email) and a note[^1].\n\n<p id=\"send-email\" name=\"publish\"><a href=\"#send-email\">x</a></p>\n\n[^1]: The note.";

        var html = PostContent.ToHtml(markdown);
        var document = new HtmlParser().ParseDocument(html);

        Assert.All(document.QuerySelectorAll("[id]"), e => Assert.StartsWith(PostContent.IdPrefix, e.Id));
        Assert.Empty(document.QuerySelectorAll("[name]"));
        Assert.All(document.QuerySelectorAll("a[href^='#']"), a =>
            Assert.NotNull(document.GetElementById(a.GetAttribute("href")![1..])));
        var plain = new HtmlParser().ParseDocument(PostContent.ToHtml("# Heading\n\nText[^1].\n\n[^1]: Note."));
        Assert.All(plain.QuerySelectorAll("[id]"), e => Assert.StartsWith(PostContent.IdPrefix, e.Id));
        Assert.All(plain.QuerySelectorAll("a[href^='#']"), a => Assert.NotNull(plain.GetElementById(a.GetAttribute("href")![1..])));
    }
}

