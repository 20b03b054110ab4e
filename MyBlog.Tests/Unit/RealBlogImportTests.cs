using MyBlog.Core.Posts;
using MyBlog.Infrastructure;
using MyBlog.Workers.Imports;

namespace MyBlog.Tests.Unit;

/// <summary>
/// Real blogs nobody here wrote, read as the importer reads them: a Hugo theme's example site (PaperMod), the Jekyll
/// project's news blog and Ghost's own 4.x export fixture, from the shared folder beside the repository (they are
/// open-licensed and not copied in). Every file comes in as a post or is skipped with its reason, none fails, and
/// what the old engines' templates did to the text is done or named.
/// </summary>
public sealed class RealBlogImportTests
{
    private static readonly string Folder = Path.GetFullPath(Path.Combine(RepositoryRoot.Find(), "..", "shared", "real-imports"));

    private static (string? Format, List<SourceFile> Files) Read(string name)
    {
        var path = Path.Combine(Folder, name);
        Assert.True(System.IO.File.Exists(path), $"The real blogs the importer is tested on belong in {Folder} (beside the repository); {name} is not there.");
        using var stream = System.IO.File.OpenRead(path);
        using var archive = BlogArchive.Open(stream);
        var (format, files) = BlogSources.Read(archive);
        return (format, files.ToList());
    }

    private static SourceFile File(List<SourceFile> files, string path) => Assert.Single(files, f => f.File == path);

    [Fact]
    public void PaperMod_s_example_site_imports_its_posts_section_and_its_about_page_and_skips_theme_pages_and_translations_with_reasons()
    {
        var (format, files) = Read("hugo-papermod-examplesite.zip");

        Assert.Equal("hugo", format);
        Assert.All(files, f => Assert.True(f.Error is null, $"{f.File}: {f.Error}"));
        // The About page is a page; the theme's layout pages hold nothing of the author's — never posts dated the day of the import.
        var about = File(files, "content/about.md").Post!;
        Assert.Equal((PostKind.Page, "about", "About"), (about.Kind, about.Slug, about.Title));
        Assert.Equal("A page the theme draws (layout: archives), with nothing of its own to import.", File(files, "content/archives.md").Skipped);
        Assert.Equal("A page the theme draws (layout: search), with nothing of its own to import.", File(files, "content/search.md").Skipped);
        // Other languages' copies are translations of a post, never a second post.
        Assert.Equal("A translation (fr) of content/posts/markdown-syntax.md: one language is imported.", File(files, "content/posts/markdown-syntax.fr.md").Skipped);
        Assert.StartsWith("A translation (fa)", File(files, "content/posts/markdown-syntax.fa.md").Skipped);
        Assert.StartsWith("A translation (fr) of content/archives.md", File(files, "content/archives.fr.md").Skipped);

        var posts = files.Where(f => f.Post is { Kind: PostKind.Post }).Select(f => f.Post!).ToList();
        Assert.All(posts, p => Assert.StartsWith("content/posts/", p.File));
        Assert.Equal(15, posts.Count);
        var syntax = posts.Single(p => p.File == "content/posts/markdown-syntax.md");
        Assert.Equal(("markdown-syntax", "Markdown Syntax Guide"), (syntax.Slug, syntax.Title));
        Assert.NotNull(syntax.Date);
        var features = posts.Single(p => p.File == "content/posts/papermod/papermod-features/index.md");
        Assert.Equal("papermod-features", features.Slug); // a page bundle, named by its folder
    }

    [Fact]
    public void PaperMod_s_shortcodes_become_markdown_or_are_named_and_its_escaped_examples_show_as_written()
    {
        var (_, files) = Read("hugo-papermod-examplesite.zip");
        string Body(string path, out IReadOnlyList<string> notes)
        {
            (var body, notes) = ImportedMarkup.Convert(File(files, path).Post!.Body);
            return body;
        }

        var rich = Body("content/posts/rich-content.md", out var richNotes);
        Assert.Contains("[Video on YouTube](https://www.youtube.com/watch?v=hjD9jTi_DQ4)", rich);
        Assert.Contains("[Video on Vimeo](https://vimeo.com/152985022)", rich);
        Assert.Contains("(https://x.com/GoHugoIO/status/1305090583917203457)", rich);
        Assert.Contains("[Post on Instagram](https://www.instagram.com/p/DBHw3t6A6a4/)", rich);
        Assert.DoesNotContain("{{<", rich);
        Assert.Empty(richNotes);

        var code = Body("content/posts/code_syntax.md", out _);
        Assert.DoesNotContain("{{< highlight", code);
        Assert.DoesNotContain("{{< /highlight", code);
        Assert.Contains("```html\n", code);

        var media = Body("content/posts/audio-video.md", out var mediaNotes);
        Assert.Contains("[Audio: ", media);
        Assert.Contains("](https://upload.wikimedia.org/wikipedia/commons/8/8f/Apollo_4_separation_of_interstage_ring.webm)", media);

        Body("content/posts/emoji-support.md", out var emojiNotes);
        Assert.Contains(emojiNotes, n => n.Contains("{{< css.inline >}}", StringComparison.Ordinal));
        Body("content/posts/papermod/papermod-installation.md", out var installNotes);
        Assert.Contains(installNotes, n => n.Contains("{{< collapse >}} ×4", StringComparison.Ordinal) && n.Contains("{{< inTextImg >}}", StringComparison.Ordinal));

        // The FAQ shows how to write a figure: Hugo's escape is taken off, and the example is not turned into an image.
        var faq = Body("content/posts/papermod/papermod-faq.md", out _);
        Assert.Contains("{{< figure align=center src=\"image.jpg\" >}}", faq);
        Assert.DoesNotContain("{{</*", faq);
    }

    [Fact]
    public void The_jekyll_news_blog_imports_every_post_with_its_date_and_liquid_in_raw_blocks_stays_as_written()
    {
        var (format, files) = Read("jekyll-jekyllrb-news.zip");

        Assert.Equal("jekyll", format);
        Assert.Equal(102, files.Count);
        Assert.All(files, f => Assert.True(f.Post is not null, $"{f.File}: {f.Error ?? f.Skipped}"));
        var first = File(files, "_posts/2013-05-06-jekyll-1-0-0-released.markdown").Post!;
        Assert.Equal("jekyll-1-0-0-released", first.Slug);
        Assert.Equal(new DateTime(2013, 5, 6), first.Date!.Value.UtcDateTime.Date);

        var shown = files.Select(f => (f.File, Converted: ImportedMarkup.Convert(f.Post!.Body))).ToList();
        var rawExample = shown.Single(s => s.Converted.Body.Contains("`{% post_url %}`", StringComparison.Ordinal));
        Assert.DoesNotContain("{% raw %}", rawExample.Converted.Body);
        // A loop over a page's data has no MyBlog equivalent: it stays, and the file's result says where to look.
        Assert.Contains(shown, s => s.Converted.Notes.Any(n => n.Contains("{% for %}", StringComparison.Ordinal)));
    }

    [Fact]
    public void Ghost_s_own_export_imports_its_posts_and_its_pages()
    {
        var (format, files) = Read("ghost-4.1-tryghost-fixture.zip");

        Assert.Equal("ghost", format);
        Assert.All(files, f => Assert.True(f.Error is null, $"{f.File}: {f.Error}"));
        Assert.Equal(7, files.Count(f => f.Post is { Kind: PostKind.Post }));
        Assert.Equal(4, files.Count(f => f.Post is { Kind: PostKind.Page }));
        Assert.DoesNotContain(files, f => f.Skipped is not null);
        var welcome = files.Single(f => f.Post?.Slug == "welcome").Post!;
        Assert.Equal(new DateTimeOffset(2021, 3, 24, 4, 34, 15, TimeSpan.Zero), welcome.Date);
        Assert.False(welcome.Draft);
    }
}
