using Markdig;
using Markdig.Extensions.GenericAttributes;
using Markdig.Extensions.MediaLinks;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using MyBlog.Core.Posts;
using MyBlog.Infrastructure;
using MyBlog.Workers.Imports;

namespace MyBlog.Tests.Unit;

public sealed class PostContentTests
{
    [Theory]
    [InlineData("Hello, World!", "hello-world")]
    [InlineData("  C# 14 & .NET 10: what's new?  ", "c-14-net-10-what-s-new")]
    [InlineData("안녕하세요, 세계!", "안녕하세요-세계")]
    [InlineData("Ünïcödé Straße", "ünïcödé-straße")]
    [InlineData("日本語のタイトル", "日本語のタイトル")]
    [InlineData("!!!", "post")]
    [InlineData("ＦＵＬＬ　ＷＩＤＴＨ", "full-width")]
    [InlineData("Ｒｅｌｅａｓｅ　２０２６：ｎｏｔｅｓ", "release-2026-notes")]
    [InlineData("cafe\u0301 ﾃｽﾄ", "cafe-ﾃｽﾄ")] // invariant globalization: no composition, no half-width kana fold
    public void Slugs_keep_letters_of_every_script(string title, string slug)
    {
        Assert.Equal(slug, Slug.From(title));
        Assert.True(Slug.IsValid(slug));
    }

    [Fact]
    public void Long_titles_are_cut_and_collisions_get_numbered()
    {
        Assert.True(Slug.From(new string('a', 300)).Length <= Slug.MaxLength);
        Assert.Equal("hello-3", Slug.WithSuffix("hello", 3));
        Assert.Equal("hello", Slug.WithSuffix("hello", 1));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>", "<script")]
    [InlineData("<img src=x onerror=alert(1)>", "onerror")]
    [InlineData("[click](javascript:alert(1))", "javascript:")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>", "javascript:")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>", "<iframe")]
    [InlineData("<svg onload=alert(1)>", "onload")]
    [InlineData("<form action=\"https://evil.example\"><input type=\"password\"></form>", "password")]
    [InlineData("<div style=\"background:url(javascript:alert(1))\">x</div>", "javascript:")]
    [InlineData("[x](JAVASCRIPT:alert(1))", "alert")]
    [InlineData("[x](javascript&#58;alert(1))", "alert")]
    [InlineData("[x](java&#9;script:alert(1))", "alert")]
    [InlineData("![x](javascript:alert(1))", "javascript")]
    [InlineData("[x][ref]\n\n[ref]: javascript:alert(1)", "javascript")]
    [InlineData("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:")]
    [InlineData("[x](vbscript:msgbox)", "vbscript")]
    public void Script_cannot_survive_the_sanitizer(string markdown, string forbidden)
    {
        Assert.DoesNotContain(forbidden, PostContent.ToHtml(markdown), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("https://example.com/a?b=c", true)]
    [InlineData("/posts/hello/", true)]
    [InlineData("#section", true)]
    [InlineData("mailto:ada@example.com", true)]
    [InlineData("relative/page", true)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData(" jav\tascript:alert(1)", false)]
    [InlineData("data:text/html,x", false)]
    public void Only_http_https_mailto_and_relative_urls_are_safe(string url, bool safe)
    {
        Assert.Equal(safe, PostContent.IsSafeUrl(url));
    }

    [Fact]
    public void Safe_links_are_kept_as_written()
    {
        var html = PostContent.ToHtml("[docs](https://docs.aws.amazon.com/) and [home](/)");
        Assert.Contains("href=\"https://docs.aws.amazon.com/\"", html);
        Assert.Contains("href=\"/\"", html);
    }

    [Fact]
    public void GitHub_extensions_render()
    {
        var html = PostContent.ToHtml("""
            | a | b |
            |---|---|
            | 1 | 2 |

            - [x] done
            - [ ] todo

            ~~old~~ https://example.com

            ```csharp
            var x = 1;
            ```
            """);
        Assert.Contains("<table>", html);
        Assert.Contains("type=\"checkbox\"", html);
        Assert.Contains("<del>old</del>", html);
        Assert.Contains("href=\"https://example.com\"", html);
        Assert.Contains("class=\"language-csharp\"", html);
    }

    [Fact]
    public void Reading_time_and_excerpt_come_from_the_text()
    {
        var markdown = string.Join(' ', Enumerable.Repeat("word", 690));
        Assert.Equal(3, PostContent.ReadingMinutes(markdown));
        Assert.Equal(1, PostContent.ReadingMinutes(""));
        var excerpt = PostContent.Excerpt("# Title\n\n" + markdown, null);
        Assert.EndsWith("…", excerpt);
        Assert.True(excerpt.Length <= 201);
        Assert.Equal("Mine", PostContent.Excerpt(markdown, " Mine "));
    }

    [Fact]
    public void Tags_are_normalized_and_validated()
    {
        Assert.True(new PostInput("T", "", ["Dot NET", "dot-net", "C#"], null).TryValidate(out var post, out _));
        Assert.Equal(["dot-net", "c"], post.Tags);
        Assert.False(new PostInput("T", "", ["!!!"], null).TryValidate(out _, out var errors));
        Assert.Contains("tags", errors.Keys);
    }

    /// <summary>Every post body of the real blogs the importer is tested on, and a few texts with raw HTML and code.</summary>
    public static TheoryData<string> RealBodies()
    {
        var folder = Path.Combine(RepositoryRoot.Find(), "..", "shared", "real-imports");
        var data = new TheoryData<string>();
        foreach (var name in new[] { "hugo-papermod-examplesite.zip", "jekyll-jekyllrb-news.zip", "ghost-4.1-tryghost-fixture.zip" })
        {
            using var stream = File.OpenRead(Path.Combine(folder, name));
            using var archive = BlogArchive.Open(stream);
            foreach (var file in BlogSources.Read(archive).Files.Where(f => f.Post is not null))
            {
                data.Add(file.Post!.Body);
            }
        }
        data.Add("<div class=\"note\">\nA <b>bold</b> start.\n</div>\n\n- one <i>x</i>\n- <span>two</span>\n\n> quoted <em>text</em>\n\nThe end.");
        data.Add("```csharp\nvar answer = 42; // the code comes first\n```\n\nThen the words.");
        return data;
    }

    /// <summary>
    /// One parse gives what two did: the page's HTML as <see cref="PostContent.ToHtml"/> makes it, and an excerpt
    /// and reading time equal to those of the text with its raw HTML taken out of the document (how they were
    /// computed before), over every real post the importer's tests read.
    /// </summary>
    [Theory]
    [MemberData(nameof(RealBodies))]
    public void One_parse_gives_the_page_and_its_summary_as_separate_parses_did(string markdown)
    {
        var (html, excerpt, minutes) = PostContent.Render(markdown, null);

        Assert.Equal(PostContent.ToHtml(markdown), html);
        Assert.Equal(PostContent.Describe(markdown, null), (excerpt, minutes));
        Assert.Equal(PlainTextByRemoval(markdown), PostContent.ToPlainText(markdown));
    }

    [Fact]
    public void An_excerpt_of_a_post_that_opens_with_code_is_the_code_s_text_not_its_colouring()
    {
        var (excerpt, _) = PostContent.Describe("```csharp\nvar answer = 42;\n```\n\nThen the words.", null);

        Assert.StartsWith("var answer = 42;", excerpt);
        Assert.DoesNotContain("<", excerpt);
    }

    /// <summary>The plain text as it was made before: raw HTML nodes removed from the document, then rendered without markup.</summary>
    private static string PlainTextByRemoval(string markdown)
    {
        var builder = new MarkdownPipelineBuilder().UseAdvancedExtensions();
        builder.Extensions.RemoveAll(e => e is GenericAttributesExtension or MediaLinkExtension);
        var pipeline = builder.Build();
        var document = Markdown.Parse(markdown, pipeline);
        foreach (var node in document.Descendants().Where(n => n is HtmlBlock or HtmlInline).ToList())
        {
            switch (node)
            {
                case Block block:
                    block.Parent?.Remove(block);
                    break;
                case Inline inline:
                    inline.Remove();
                    break;
            }
        }
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer) { EnableHtmlForBlock = false, EnableHtmlForInline = false, EnableHtmlEscape = false };
        pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString().Trim();
    }
}
