using MyBlog.Core.Imports;
using MyBlog.Core.Posts;
using System.IO.Compression;
using MyBlog.Tests.Support;
using MyBlog.Workers.Imports;

namespace MyBlog.Tests.Unit;

/// <summary>Reading old blogs: front matter as Hugo and Jekyll read it, each engine's layout, and archives built to hurt.</summary>
public sealed class BlogImportSourcesTests
{
    private static BlogArchive Open(TestArchive archive) => BlogArchive.Open(new MemoryStream(archive.ToBytes()));

    [Fact]
    public void Yaml_toml_and_json_front_matter_give_the_same_post()
    {
        var yaml = FrontMatter.Parse("---\ntitle: \"Hello: world\"\ndate: 2023-05-01T10:00:00+09:00\ndraft: true\ntags: [go, \"web dev\"]\nslug: hello\n---\nBody **here**.\n");
        var toml = FrontMatter.Parse("+++\ntitle = \"Hello: world\"\ndate = 2023-05-01T10:00:00+09:00\ndraft = true\ntags = [\"go\", \"web dev\"]\nslug = \"hello\"\n+++\nBody **here**.\n");
        var json = FrontMatter.Parse("{\n\"title\": \"Hello: world\", \"date\": \"2023-05-01T10:00:00+09:00\", \"draft\": true, \"tags\": [\"go\", \"web dev\"], \"slug\": \"hello\"\n}\nBody **here**.\n");
        foreach (var matter in new[] { yaml, toml, json })
        {
            Assert.Equal("Hello: world", matter.String("Title")); // Hugo's keys are not case-sensitive
            Assert.Equal(new DateTimeOffset(2023, 5, 1, 1, 0, 0, TimeSpan.Zero), matter.Date("date"));
            Assert.True(matter.Bool("draft"));
            Assert.Equal(["go", "web dev"], matter.List("tags"));
            Assert.Equal("hello", matter.String("slug"));
            Assert.Equal("Body **here**.\n", matter.Body);
        }
        Assert.Equal(("yaml", "toml", "json"), (yaml.Format, toml.Format, json.Format));
    }

    [Theory]
    [InlineData("2024-02-03 04:05:06 +0900", "2024-02-02T19:05:06Z")] // Jekyll's own format
    [InlineData("2024-02-03", "2024-02-03T00:00:00Z")]
    [InlineData("2024-02-03T04:05:06Z", "2024-02-03T04:05:06Z")]
    [InlineData("2024-02-03 15:31:36", "2024-02-03T15:31:36Z")] // Ghost's, in UTC
    public void Dates_in_the_forms_the_engines_write(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), FrontMatter.ParseDate(text));

    [Theory]
    [InlineData("2019-04-25 9:00:00", "2019-04-25T09:00:00Z")] // a one-digit hour, which Jekyll reads
    [InlineData("2019-04-25 9:00:00 -0500", "2019-04-25T14:00:00Z")]
    [InlineData("2019-4-5", "2019-04-05T00:00:00Z")]
    [InlineData("2019-04-25 09:00:00 +0200 (written on a train)", "2019-04-25T07:00:00Z")]
    [InlineData("2019-04-25 Thursday", "2019-04-25T00:00:00Z")]
    public void Dates_jekyll_reads_leniently_are_read_too(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), FrontMatter.ParseDate(text));

    [Fact]
    public void A_jekyll_date_nothing_can_read_falls_back_to_the_file_name_s_and_says_so()
    {
        using var archive = Open(new TestArchive()
            .Text("_posts/2019-04-25-spring.md", "---\ntitle: Spring\ndate: sometime in spring\n---\nx")
            .Text("_drafts/undated-idea.md", "---\ntitle: Idea\ndate: sometime\n---\nx"));

        var all = BlogSources.Read(archive).Files.ToList();

        var spring = all.Single(f => f.File == "_posts/2019-04-25-spring.md").Post!;
        Assert.Equal(new DateTimeOffset(2019, 4, 25, 0, 0, 0, TimeSpan.Zero), spring.Date);
        Assert.Contains("the file name's date (2019-04-25) is used", Assert.Single(spring.Notes!));
        Assert.Contains("not a date", all.Single(f => f.File == "_drafts/undated-idea.md").Error); // a draft has no file name date
    }

    [Fact]
    public void Hugo_posts_are_the_main_sections_else_the_section_with_the_most_dated_pages_and_translations_are_skipped()
    {
        static List<SourceFile> Files(TestArchive archive)
        {
            using var opened = Open(archive);
            return BlogSources.Read(opened).Files.ToList();
        }
        TestArchive Site() => new TestArchive()
            .Text("content/about.md", "---\ntitle: About\n---\nme")
            .Text("content/project/a.md", "---\ntitle: A\ndate: 2020-01-01\n---\na")
            .Text("content/post/b.md", "---\ntitle: B\ndate: 2020-01-02\n---\nb")
            .Text("content/post/b.fr.md", "---\ntitle: B (fr)\ndate: 2020-01-02\n---\nb")
            .Text("content/post/only.de.md", "---\ntitle: Nur Deutsch\ndate: 2020-01-03\n---\nc")
            .Text("content/post/c/index.md", "---\ntitle: C\ndate: 2020-01-04\n---\nc")
            .Text("content/post/c/index.fr.md", "---\ntitle: C (fr)\ndate: 2020-01-04\n---\nc");

        var largest = Files(Site());
        Assert.Equal(["B", "C", "Nur Deutsch"], largest.Where(f => f.Post is { Kind: PostKind.Post }).Select(f => f.Post!.Title));
        Assert.Equal("only", largest.Single(f => f.File == "content/post/only.de.md").Post!.Slug); // one language only: still the post
        Assert.Equal("In the section 'project', not the blog's posts ('post', Hugo's mainSections or its largest section).",
            largest.Single(f => f.File == "content/project/a.md").Skipped);
        Assert.Equal(PostKind.Page, largest.Single(f => f.File == "content/about.md").Post!.Kind); // the site's own page comes in as a page
        Assert.Equal("A translation (fr) of content/post/b.md: one language is imported.", largest.Single(f => f.File == "content/post/b.fr.md").Skipped);
        Assert.Equal("A translation (fr) of content/post/c/index.md: one language is imported.", largest.Single(f => f.File == "content/post/c/index.fr.md").Skipped);

        foreach (var config in new[] { ("config.toml", "[params]\n  mainSections = [\"project\"]\n"), ("hugo.yaml", "params:\n  mainSections:\n    - project\n"), ("config.json", "{\"params\": {\"mainSections\": [\"project\"]}}") })
        {
            var configured = Files(Site().Text(config.Item1, config.Item2));
            Assert.Equal(["A"], configured.Where(f => f.Post is { Kind: PostKind.Post }).Select(f => f.Post!.Title));
        }

        // A folder of posts without sections: every page is a post.
        var flat = Files(new TestArchive().Text("first.md", "---\ntitle: First\n---\n1").Text("second.md", "---\ntitle: Second\n---\n2"));
        Assert.Equal(2, flat.Count(f => f.Post is not null));
    }

    [Fact]
    public void Engines_tags_become_markdown_outside_code_and_characters_a_feed_cannot_carry_are_taken_out()
    {
        var (text, removed) = ImportedMarkup.WithoutControlCharacters("a\u000Bb\u0000c\td\uD800e😀");
        Assert.Equal(("ab" + "c\tde😀", 3), (text, removed));

        var (body, notes) = ImportedMarkup.Convert(
            "Intro\u000B.\n\n{% highlight ruby %}\nputs 1\n{% endhighlight %}\n\nSee {% post_url 2010-07-21-name %} and {{< ref \"posts/trip/index.md\" >}}.\n\n" +
            "```\n{{< youtube kept >}}\n```\n\n{{< youtube abc >}}\n{% include footer.html %}\n{{< custom x >}}\n{{< custom y >}}\n");

        Assert.Equal(
            "Intro.\n\n```ruby\nputs 1\n```\n\nSee /posts/name/ and /posts/trip/.\n\n" +
            "```\n{{< youtube kept >}}\n```\n\n[Video on YouTube](https://www.youtube.com/watch?v=abc)\n{% include footer.html %}\n{{< custom x >}}\n{{< custom y >}}\n",
            body);
        Assert.Equal(2, notes.Count);
        Assert.Contains("1 control character", notes[0]);
        Assert.Equal("Left as text (no MyBlog equivalent; edit the post where they appear): {% include %}, {{< custom >}} ×2.", notes[1]);
    }

    [Theory]
    [InlineData("{{< highlight go >}}\n")]
    [InlineData("{% highlight ruby %}\n")]
    [InlineData("{{< youtube ")]
    public async Task Converting_a_post_of_repeated_unclosed_tags_takes_linear_time(string opening)
    {
        var body = string.Concat(Enumerable.Repeat(opening, 200_000 / opening.Length));
        var convert = Task.Run(() => ImportedMarkup.Convert(body));
        Assert.Same(convert, await Task.WhenAny(convert, Task.Delay(TimeSpan.FromSeconds(20))));
    }

    [Theory]
    [InlineData("---\ntitle: [unclosed\n---\nbody", "YAML")]
    [InlineData("---\ntitle: [this never closes\ndate: 2020-01-01\n---\nbody\n", "YAML")]
    [InlineData("---\ntitle: {a: [b\n---\nbody\n", "YAML")]
    [InlineData("---\ntitle: fine\nbody without the closing line", "never closed")]
    [InlineData("+++\ntitle = \"open\n+++\nbody", "TOML")]
    [InlineData("{\"title\": \"x\",\n", "JSON")]
    [InlineData("---\ndate: next tuesday\n---\nbody", null)]
    public void Broken_front_matter_says_what_is_wrong(string text, string? reason)
    {
        var error = Record.Exception(() =>
        {
            var matter = FrontMatter.Parse(text);
            matter.Date("date");
        });
        Assert.IsType<FormatException>(error);
        if (reason is not null)
        {
            Assert.Contains(reason, error.Message);
        }
    }

    [Fact]
    public void Hostile_front_matter_is_refused_within_bounds()
    {
        // Nesting that would exhaust a recursive parser's stack, in each format.
        Assert.Contains("nested", Assert.Throws<FormatException>(() => FrontMatter.Parse("---\na: " + new string('[', 5000) + "\n---\n")).Message);
        Assert.Contains("nested", Assert.Throws<FormatException>(() => FrontMatter.Parse("+++\na = " + new string('[', 5000) + "\n+++\n")).Message);
        Assert.Throws<FormatException>(() => FrontMatter.Parse("{\"a\":" + new string('[', 5000)));
        // A billion laughs: aliases are never expanded, so this reads in no time and no memory.
        var laughs = "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
            + string.Concat(Enumerable.Range(1, 9).Select(i => $"{(char)('a' + i)}: &{(char)('a' + i)} [*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)}]\n"))
            + "title: laughs\n---\nbody";
        var matter = FrontMatter.Parse(laughs);
        Assert.Equal("laughs", matter.String("title"));
        Assert.Empty(matter.List("j"));
        // Front matter larger than any post needs.
        Assert.Contains("KB", Assert.Throws<FormatException>(() => FrontMatter.Parse("---\n" + new string('#', 70_000) + "\n---\n")).Message);
    }

    [Fact]
    public void Names_that_climb_out_links_and_bombs_are_refused_one_by_one()
    {
        var bomb = new byte[50 * 1024 * 1024]; // 50 MB of zeros deflate to about 50 KB: a thousand times
        using var archive = Open(new TestArchive()
            .Text("content/posts/fine.md", "---\ntitle: Fine\n---\nok")
            .Text("../../etc/cron.d/evil", "* * * * * root rm -rf /")
            .Text("content/../../outside.md", "x")
            .Text("C:/Windows/evil.md", "x")
            .Symlink("content/posts/link.md", "/etc/passwd")
            .Add("content/posts/bomb.png", bomb, level: CompressionLevel.SmallestSize));

        Assert.Contains("content/posts/fine.md", archive.Paths);
        Assert.DoesNotContain(archive.Paths, p => p.Contains("..", StringComparison.Ordinal) || p.Contains("link", StringComparison.Ordinal) || p.Contains(':'));
        Assert.Equal(4, archive.Refused.Count);
        Assert.Contains(archive.Refused, r => r.Name == "content/posts/link.md" && r.Reason.Contains("symbolic link"));
        Assert.Contains(archive.Refused, r => r.Name == "../../etc/cron.d/evil" && r.Reason.Contains("climbs out"));
        Assert.Contains("zip bomb", Assert.Throws<InvalidDataException>(() => archive.Read("content/posts/bomb.png", 100L * 1024 * 1024)).Message);
    }

    [Fact]
    public void Archives_with_too_many_entries_or_that_are_not_zips_are_refused_whole()
    {
        var many = new TestArchive();
        for (var i = 0; i <= BlogArchive.MaxEntries; i++)
        {
            many.Text($"content/p{i}.md", "");
        }
        Assert.Contains("10,000", Assert.Throws<InvalidDataException>(() => Open(many)).Message);
        Assert.Contains("not a readable .zip", Assert.Throws<InvalidDataException>(() => BlogArchive.Open(new MemoryStream("PK but not really"u8.ToArray()))).Message);
    }

    [Fact]
    public void A_hugo_site_gives_its_posts_bundles_and_section_pages()
    {
        using var archive = Open(new TestArchive()
            .Text("mysite/config.toml", "baseURL = 'https://example.org/'")
            .Text("mysite/content/_index.md", "---\ntitle: Home\n---\n")
            .Text("mysite/content/posts/_index.md", "---\ntitle: Posts\n---\n")
            .Text("mysite/content/posts/first.md", "---\ntitle: First\ndate: 2020-01-02\ntags: [a]\ncategories: [b]\n---\nHi")
            .Text("mysite/content/posts/trip/index.md", "+++\ntitle = \"Trip\"\ndate = 2021-03-04T05:06:07Z\n+++\n![sea](sea.jpg)")
            .Add("mysite/content/posts/trip/sea.jpg", [1, 2, 3])
            .Text("mysite/content/posts/headless/index.md", "---\nheadless: true\n---\n"));

        var (format, files) = BlogSources.Read(archive);
        var all = files.ToList();

        Assert.Equal("hugo", format);
        Assert.Equal(2, all.Count(f => f.Skipped is not null && f.File.EndsWith("_index.md", StringComparison.Ordinal)));
        var first = all.Single(f => f.File == "content/posts/first.md").Post!;
        Assert.Equal(("first", "First", false), (first.Slug, first.Title, first.Draft));
        Assert.Equal(["a", "b"], first.Tags);
        var trip = all.Single(f => f.File == "content/posts/trip/index.md").Post!;
        Assert.Equal("trip", trip.Slug); // a page bundle is named by its folder
        Assert.Equal("content/posts/trip/", trip.Directory);
        Assert.NotNull(all.Single(f => f.File == "content/posts/headless/index.md").Skipped);
    }

    [Fact]
    public void A_jekyll_site_gives_dated_posts_and_drafts()
    {
        using var archive = Open(new TestArchive()
            .Text("_posts/2019-07-08-hello-jekyll.md", "---\nlayout: post\ntitle: Hello Jekyll\ntags: ruby static\n---\n![x]({{ site.baseurl }}/assets/x.png) ![y]({{ \"/assets/y.png\" | relative_url }})")
            .Text("_posts/2019-07-09-later.markdown", "---\ntitle: Later\ndate: 2019-07-09 18:30:00 +0200\npublished: false\n---\nlater")
            .Text("_posts/undated.md", "---\ntitle: Undated\n---\nnever built")
            .Text("_drafts/an-idea.md", "---\ntitle: An idea\n---\nmaybe"));

        var (format, files) = BlogSources.Read(archive);
        var all = files.ToList();

        Assert.Equal("jekyll", format);
        var hello = all.Single(f => f.File.EndsWith("hello-jekyll.md", StringComparison.Ordinal)).Post!;
        Assert.Equal(("hello-jekyll", new DateTimeOffset(2019, 7, 8, 0, 0, 0, TimeSpan.Zero), false), (hello.Slug, hello.Date!.Value, hello.Draft));
        Assert.Equal(["ruby", "static"], hello.Tags);
        Assert.Contains("(/assets/x.png)", hello.Body);
        Assert.Contains("(/assets/y.png)", hello.Body);
        var later = all.Single(f => f.File.EndsWith("later.markdown", StringComparison.Ordinal)).Post!;
        Assert.True(later.Draft);
        Assert.Equal(new DateTimeOffset(2019, 7, 9, 16, 30, 0, TimeSpan.Zero), later.Date);
        Assert.NotNull(all.Single(f => f.File == "_posts/undated.md").Skipped);
        Assert.True(all.Single(f => f.File == "_drafts/an-idea.md").Post!.Draft);
    }

    [Fact]
    public void A_jekyll_site_s_pages_come_in_as_pages_and_what_jekyll_draws_from_its_data_is_skipped_with_the_reason()
    {
        using var archive = Open(new TestArchive()
            .Text("_config.yml", "title: A Jekyll blog\n")
            .Text("_posts/2019-07-08-hello.md", "---\ntitle: Hello\n---\nhello")
            .Text("_layouts/default.html", "---\n---\n<main>{{ content }}</main>")
            .Text("about.md", "---\nlayout: page\ntitle: About me\npermalink: /about/\n---\nI write about {{ site.title }} ![me]({{ \"/assets/me.png\" | relative_url }})")
            .Text("contact/index.md", "---\ntitle: Contact\n---\nWrite to me.")
            .Text("projects/engine.markdown", "---\ntitle: The engine\npublished: false\n---\nGears.")
            .Text("index.html", "---\nlayout: home\n---\n{% for post in paginator.posts %}<a href=\"{{ post.url }}\">{{ post.title }}</a>{% endfor %}")
            .Text("archive.html", "---\ntitle: Archive\n---\n{%- for post in site.posts -%}{{ post.title }}{% endfor %}")
            .Text("404.html", "---\nlayout: default\n---\nNot here.")
            .Text("README.md", "# How to build this site")
            .Text("node_modules/x/readme.md", "---\ntitle: not mine\n---\nx")
            .Text(".github/ISSUE.md", "---\ntitle: not a page\n---\nx"));

        var (format, files) = BlogSources.Read(archive);
        var all = files.ToDictionary(f => f.File);

        Assert.Equal("jekyll", format);
        Assert.Equal(PostKind.Post, all["_posts/2019-07-08-hello.md"].Post!.Kind);
        var about = all["about.md"].Post!;
        Assert.Equal((PostKind.Page, "about", "About me", false), (about.Kind, about.Slug, about.Title, about.Draft));
        Assert.Contains("(/assets/me.png)", about.Body);
        Assert.Equal(("contact", PostKind.Page), (all["contact/index.md"].Post!.Slug, all["contact/index.md"].Post!.Kind));
        Assert.Equal(("projects-engine", true), (all["projects/engine.markdown"].Post!.Slug, all["projects/engine.markdown"].Post!.Draft));
        Assert.Contains("home page", all["index.html"].Skipped);
        Assert.Contains("Liquid loop", all["archive.html"].Skipped);
        Assert.Contains("404", all["404.html"].Skipped);
        Assert.Contains("No front matter", all["README.md"].Skipped);
        Assert.DoesNotContain("_layouts/default.html", all.Keys);
        Assert.DoesNotContain("node_modules/x/readme.md", all.Keys);
        Assert.DoesNotContain(".github/ISSUE.md", all.Keys);
    }

    [Theory]
    [InlineData("/old/post/", "/old/post/")]
    [InlineData("old/post", "/old/post/")]
    [InlineData("https://old.example.org/2019/07/hello.html?utm=x#top", "/2019/07/hello.html")]
    [InlineData("/%EC%95%88%EB%85%95/", "/안녕/")]
    [InlineData("/", null)]
    [InlineData("/posts/hello/", null)]
    [InlineData("/tags/x/", null)]
    [InlineData("/admin/", null)]
    [InlineData("/feed.xml", null)]
    [InlineData("//evil.example/x", null)]
    [InlineData("/a/../b/", null)]
    [InlineData("/_private/x/", null)]
    [InlineData("/a\\b/", null)]
    [InlineData("/100%25/", null)]
    [InlineData("/what%3F/", null)]
    [InlineData("/a/%2E%2E/_publisher/", null)]
    public void Old_addresses_are_kept_only_as_paths_the_site_can_answer_and_never_over_its_own(string raw, string? expected) =>
        Assert.Equal(expected, OldUrls.Normalize(raw));

    [Fact]
    public void Each_engine_gives_the_addresses_it_published_a_post_at()
    {
        using var hugo = Open(new TestArchive()
            .Text("config.toml", "mainSections = [\"blog\"]\n")
            .Text("content/blog/first.md", "---\ntitle: First\ndate: 2020-01-02\naliases: [\"/old/first/\"]\n---\nx")
            .Text("content/blog/second/index.md", "---\ntitle: Second\ndate: 2020-01-03\nslug: zweite\n---\nx")
            .Text("content/blog/third.md", "---\ntitle: Third\ndate: 2020-01-04\nurl: /3rd.html\n---\nx"));
        var hugoPosts = BlogSources.Read(hugo).Files.Where(f => f.Post is not null).ToDictionary(f => f.File, f => f.Post!);
        Assert.Equal(["/blog/first/", "/old/first/"], hugoPosts["content/blog/first.md"].OldUrls!);
        Assert.Equal("/blog/zweite/", hugoPosts["content/blog/second/index.md"].OldUrls![0]);
        Assert.Equal("/3rd.html", hugoPosts["content/blog/third.md"].OldUrls![0]);

        using var jekyll = Open(new TestArchive()
            .Text("_config.yml", "title: J\npermalink: pretty\n")
            .Text("_posts/2019-07-08-hello.md", "---\ntitle: Hello\ncategories: Notes Ruby\nredirect_from: /hello.html\n---\nx")
            .Text("_posts/2019-07-09-own.md", "---\ntitle: Own\npermalink: /own-place/\n---\nx")
            .Text("about.md", "---\ntitle: About\n---\nMe."));
        var jekyllPosts = BlogSources.Read(jekyll).Files.Where(f => f.Post is not null).ToDictionary(f => f.File, f => f.Post!);
        Assert.Equal(["/notes/ruby/2019/07/08/hello/", "/hello.html"], jekyllPosts["_posts/2019-07-08-hello.md"].OldUrls!);
        Assert.Equal("/own-place/", jekyllPosts["_posts/2019-07-09-own.md"].OldUrls![0]);
        Assert.Equal("/about.html", jekyllPosts["about.md"].OldUrls![0]);
        Assert.Equal("/2019/07/08/hello.html", BlogSources.JekyllPermalink(null, [], new DateTimeOffset(2019, 7, 8, 0, 0, 0, TimeSpan.Zero), "hello"));
        Assert.Equal("/blog/19/7/8/hello", BlogSources.JekyllPermalink("/blog/:short_year/:i_month/:i_day/:title", [], new DateTimeOffset(2019, 7, 8, 0, 0, 0, TimeSpan.Zero), "hello"));

        // What an import keeps: each once, none where the post now is.
        Assert.Equal(["/blog/first/", "/old/first/"], OldUrls.For(["/blog/first/", "/old/first/", "/blog/first/", "/posts/first/"], "/posts/first/"));
        Assert.Empty(OldUrls.For(["/about.html"], "/about.html"));
        Assert.Empty(OldUrls.For(["/contact/index.html"], "/contact/"));
    }

    [Fact]
    public void A_hugo_site_s_permalinks_give_the_addresses_it_published_its_posts_and_pages_at()
    {
        static Dictionary<string, SourcePost> Posts(TestArchive archive)
        {
            using var opened = Open(archive);
            return BlogSources.Read(opened).Files.Where(f => f.Post is not null).ToDictionary(f => f.File, f => f.Post!);
        }
        static TestArchive Site() => new TestArchive()
            .Text("content/posts/first post.md", "---\ntitle: Hello, World!\ndate: 2020-03-04\naliases: [/old/hello/]\n---\nx")
            .Text("content/posts/trip/index.md", "---\ntitle: Trip\nslug: Sea Trip\ndate: 2021-05-06\n---\nx")
            .Text("content/posts/own.md", "---\ntitle: Own\ndate: 2021-05-07\nurl: /Own-Place/\n---\nx")
            .Text("content/posts/undated.md", "---\ntitle: Undated\n---\nx")
            .Text("content/about.md", "---\ntitle: About me\n---\nMe.");

        // The same setting as each format writes it: at the top or under page, the section's list page left alone.
        foreach (var (name, config) in new[]
        {
            ("config.toml", "baseURL = 'https://example.org/'\n[permalinks]\n  posts = \"/:year/:month/:slug/\"\n  \"/\" = \"/:filename/\"\n[permalinks.section]\n  posts = \"/articles/\"\n"),
            ("hugo.yaml", "baseURL: https://example.org/\npermalinks:\n  page:\n    posts: /:year/:month/:slug/\n    /: /:filename/\n  section:\n    posts: /articles/\n"),
            ("config.json", "{\"baseURL\": \"https://example.org/\", \"permalinks\": {\"posts\": \"/:year/:month/:slug/\", \"/\": \"/:filename/\", \"section\": {\"posts\": \"/articles/\"}}}"),
        })
        {
            var posts = Posts(Site().Text(name, config));
            Assert.Equal(["/2020/03/hello-world/", "/old/hello/"], posts["content/posts/first post.md"].OldUrls!); // the title, urlized and lower-cased
            Assert.Equal("/2021/05/sea-trip/", posts["content/posts/trip/index.md"].OldUrls![0]);
            Assert.Equal("/Own-Place/", posts["content/posts/own.md"].OldUrls![0]); // its own url, as written
            Assert.Null(posts["content/posts/undated.md"].OldUrls![0]); // no date to fill :year with: no address, not a wrong one
            Assert.Equal("/about/", posts["content/about.md"].OldUrls![0]);
        }

        // Without the setting: its folders and its file name, as Hugo makes paths (lower-cased unless told not to).
        Assert.Equal("/posts/first-post/", Posts(Site())["content/posts/first post.md"].OldUrls![0]);
        Assert.Equal("/posts/first-post/", Posts(Site().Text("config.toml", "disablePathToLower = false\n"))["content/posts/first post.md"].OldUrls![0]);
        Assert.Equal("/posts/Sea-Trip/", Posts(Site().Text("config.toml", "disablePathToLower = true\n"))["content/posts/trip/index.md"].OldUrls![0]);

        // The other placeholders; one this does not read gives no address.
        var page = new HugoPage("posts", "posts/2020/", null, "note", "Vim (text editor)", new DateTimeOffset(2020, 2, 29, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal("/posts/2020/february/29/6/60/vim-text-editor/note/", Urls("/:sections/:monthname/:day/:weekday/:yearday/:title/:filename/").PathOf(page));
        Assert.Equal("/posts/saturday/note/", Urls("/:section/:weekdayname/:slugorfilename/").PathOf(page));
        Assert.Null(Urls("/:sections[1:]/:slug/").PathOf(page));
        Assert.Null(Urls("/:2006-01-02/:slug/").PathOf(page));

        static HugoUrls Urls(string pattern) => HugoUrls.Read([$"[permalinks]\nposts = \"{pattern}\"\n"]);
    }

    [Fact]
    public void An_impossible_date_in_a_jekyll_file_name_fails_that_file_and_the_others_still_read()
    {
        using var archive = Open(new TestArchive()
            .Text("_posts/2019-02-30-no-such-day.md", "---\ntitle: No such day\n---\nx")
            .Text("_posts/2019-13-01-no-such-month.md", "---\ntitle: No such month\n---\nx")
            .Text("_posts/2019-03-01-fine.md", "---\ntitle: Fine\n---\nok"));

        var all = BlogSources.Read(archive).Files.ToList();

        Assert.Equal(3, all.Count);
        Assert.Contains("not a day of the calendar", all.Single(f => f.File.Contains("no-such-day", StringComparison.Ordinal)).Error);
        Assert.NotNull(all.Single(f => f.File.Contains("no-such-month", StringComparison.Ordinal)).Error);
        Assert.Equal("Fine", all.Single(f => f.File.EndsWith("fine.md", StringComparison.Ordinal)).Post?.Title);
    }

    [Fact]
    public void A_ghost_export_with_values_out_of_every_range_fails_those_posts_and_reads_the_rest()
    {
        var export = """
            {"db":[{"meta":{"version":"5.0.0"},"data":{
              "posts":[
                {"id":"1","title":"Far future","slug":"far-future","html":"<p>x</p>","status":"published","published_at":99999999999999999},
                {"id":"2","title":"Before time","slug":"before-time","html":"<p>x</p>","status":"published","published_at":"0000-00-00 00:00:00"},
                42,
                {"id":"3","title":"Fine","slug":"fine","html":"<p>ok</p>","status":"published","published_at":"2024-05-06 07:08:09"},
                {"id":"4","title":"Odd mobiledoc","slug":"odd-mobiledoc","mobiledoc":"[1,2,3]","html":"<p>html</p>","status":"draft"}
              ],
              "tags":[{"id":"t1","name":"News"},"not a tag"],
              "posts_tags":[{"post_id":"3","tag_id":"t1","sort_order":1e300},{"post_id":"3","tag_id":"t1","sort_order":"first"}]
            }}]}
            """;
        using var archive = Open(new TestArchive().Text("ghost.json", export));

        var (format, files) = BlogSources.Read(archive);
        var all = files.ToList();

        Assert.Equal("ghost", format);
        Assert.Contains("not a date", all.Single(f => f.File.EndsWith("far-future", StringComparison.Ordinal)).Error);
        Assert.Contains("not a date", all.Single(f => f.File.EndsWith("before-time", StringComparison.Ordinal)).Error);
        var fine = all.Single(f => f.File.EndsWith("› fine", StringComparison.Ordinal)).Post!;
        Assert.Equal(["News", "News"], fine.Tags);
        Assert.Equal("<p>html</p>", all.Single(f => f.File.EndsWith("odd-mobiledoc", StringComparison.Ordinal)).Post!.Body);
        Assert.Equal(5, all.Count);
    }

    [Fact]
    public void An_archive_whose_directory_declares_too_many_entries_is_refused_before_the_directory_is_read()
    {
        var zip = new TestArchive().Text("content/posts/a.md", "a").ToBytes();
        // The end-of-central-directory record: its two entry counts say 60,000 (the directory itself holds one).
        var end = zip.Length - 22;
        Assert.Equal(0x06054b50u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end)));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(end + 8), 60_000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(end + 10), 60_000);

        var refusal = Assert.Throws<InvalidDataException>(() => BlogArchive.Open(new MemoryStream(zip)));
        Assert.Contains("60,000 entries", refusal.Message);
    }

    [Theory]
    [InlineData("<img ")]
    [InlineData("<IMG src=")]
    [InlineData("{{< figure ")]
    [InlineData("![a](")]
    public async Task Scanning_a_post_of_repeated_tag_openings_for_images_takes_linear_time(string opening)
    {
        // As much as a post may hold (300 KB), all of it openings that never close.
        var body = string.Concat(Enumerable.Repeat(opening, 300 * 1024 / opening.Length - 1));

        // A hang, not a speed, is what fails: a quadratic scan of this takes minutes, a linear one milliseconds.
        var references = await Task.Run(() => ArchiveImporter.ImageReferences(ImportedMarkup.ExpandFigures(body))).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Empty(references);
    }

    [Fact]
    public void Image_references_are_found_in_markdown_html_and_figures_last_first()
    {
        var body = ImportedMarkup.ExpandFigures("![a](one.png) <img alt=x src=\"two.jpg\"> {{< figure src=\"three.webp\" alt=\"Three\" src=\"dup.png\" >}}");

        Assert.Equal(["three.webp", "two.jpg", "one.png"], ArchiveImporter.ImageReferences(body).Select(r => r.Url));
    }
}
