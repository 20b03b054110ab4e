using System.Net;
using System.Text.Json;
using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Storage;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// Bringing an old blog over, on the whole topology: the archive goes from the "browser" straight to the uploads
/// bucket with a presigned PUT, its S3 event starts the import worker through the local queue, and the author reads
/// each file's result from the admin API. Slugs carry a run-unique tag: the topology is shared.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class ImportTests(TestTopology app)
{
    private static readonly TimeSpan ImportTimeout = TimeSpan.FromSeconds(90);
    private readonly string _tag = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Declares the archive, PUTs it where the API says, and waits for the import's outcome.</summary>
    private async Task<JsonElement> ImportAsync(byte[] zip, string fileName = "blog.zip")
    {
        var ticket = await app.AdminAsync(HttpMethod.Post, "/api/admin/imports", new { fileName, contentType = "application/zip", size = zip.Length });
        var importId = ticket.GetProperty("importId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await TestTopology.PutUploadAsync(ticket, zip));

        var deadline = DateTime.UtcNow + ImportTimeout;
        while (true)
        {
            var job = await app.AdminAsync(HttpMethod.Get, $"/api/admin/imports/{importId}");
            var status = job.GetProperty("status").GetString();
            if (status is "done" or "failed" || DateTime.UtcNow > deadline)
            {
                Assert.True(status is "done" or "failed", $"The import is still {status} after {ImportTimeout}");
                return job;
            }
            await Task.Delay(300);
        }
    }

    private static JsonElement Result(JsonElement job, string fileEnd) =>
        job.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("file").GetString()!.EndsWith(fileEnd, StringComparison.Ordinal));

    private static void AssertResult(JsonElement job, string fileEnd, string status, string? slug = null)
    {
        var result = Result(job, fileEnd);
        Assert.True(result.GetProperty("status").GetString() == status, $"{fileEnd}: {result}");
        if (slug is not null)
        {
            Assert.Equal(slug, result.GetProperty("slug").GetString());
        }
    }

    private Task<JsonElement> PostAsync(string slug) => app.AdminAsync(HttpMethod.Get, $"/api/admin/posts/{Uri.EscapeDataString(slug)}");

    /// <summary>Polls the edge until <paramref name="path"/> answers what <paramref name="condition"/> wants.</summary>
    private Task<(HttpStatusCode Status, string Body, string? Type)> EventuallyAsync(string path, Func<HttpStatusCode, string, bool> condition, int seconds = 45) =>
        TestTopology.EventuallyAsync(app.Site, path, condition, TimeSpan.FromSeconds(seconds));

    [Fact]
    public async Task A_hugo_site_imports_with_its_dates_tags_drafts_bundles_and_images_and_a_second_import_changes_nothing()
    {
        var t = _tag;
        var zip = new TestArchive()
            .Text("myblog/config.toml", "baseURL = 'https://old.example.org/'")
            .Text("myblog/content/_index.md", "---\ntitle: Home\n---\n")
            .Text($"myblog/content/posts/yaml-{t}.md",
                $"---\ntitle: \"YAML post {t}\"\ndate: 2019-03-04T05:06:07+09:00\ntags: [imp{t}, yaml]\nsummary: From YAML.\n---\nFrom **YAML**.\n")
            .Text($"myblog/content/posts/toml-{t}.md",
                $"+++\ntitle = \"TOML post {t}\"\ndate = 2018-01-02T03:04:05Z\ntags = [\"imp{t}\"]\nslug = \"toml-custom-{t}\"\n+++\nFrom *TOML*.\n")
            .Text($"myblog/content/posts/draft-{t}.md", $"---\ntitle: Unfinished {t}\ndate: 2020-01-01\ndraft: true\n---\nNot yet.\n")
            .Text($"myblog/content/posts/여행기-{t}.md", $"---\ntitle: 부산 여행기 {t}\ndate: 2021-05-05\ntags: [imp{t}]\n---\n바다가 보였다.\n")
            .Text($"myblog/content/posts/bundle-{t}/index.md",
                $"---\ntitle: A bundle {t}\ndate: 2022-07-08\ntags: [imp{t}]\n---\nThe harbour:\n\n![The harbour](harbour.jpg)\n")
            .Add($"myblog/content/posts/bundle-{t}/harbour.jpg", TestImages.CameraJpeg(800, 600))
            .Text($"myblog/content/posts/broken-{t}.md", "---\ntitle: [this never closes\ndate: 2020-01-01\n---\nbody\n")
            .ToBytes();

        var job = await ImportAsync(zip, "my-hugo-site.zip");

        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal("hugo", job.GetProperty("format").GetString());
        AssertResult(job, $"yaml-{t}.md", "imported", $"yaml-{t}");
        AssertResult(job, $"toml-{t}.md", "imported", $"toml-custom-{t}");
        AssertResult(job, $"draft-{t}.md", "imported", $"draft-{t}");
        AssertResult(job, $"여행기-{t}.md", "imported", $"여행기-{t}");
        AssertResult(job, $"bundle-{t}/index.md", "imported", $"bundle-{t}");
        AssertResult(job, $"broken-{t}.md", "failed");
        Assert.Contains("YAML", Result(job, $"broken-{t}.md").GetProperty("error").GetString());
        AssertResult(job, "content/_index.md", "skipped");

        var yaml = await PostAsync($"yaml-{t}");
        Assert.Equal("published", yaml.GetProperty("status").GetString());
        Assert.Equal(new DateTimeOffset(2019, 3, 3, 20, 6, 7, TimeSpan.Zero), yaml.GetProperty("publishedAt").GetDateTimeOffset());
        Assert.Equal([$"imp{t}", "yaml"], yaml.GetProperty("tags").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal("From YAML.", yaml.GetProperty("excerpt").GetString());
        Assert.False(yaml.GetProperty("sendEmail").GetBoolean()); // an old post is never mailed
        Assert.Equal("draft", (await PostAsync($"draft-{t}")).GetProperty("status").GetString());
        Assert.Equal($"부산 여행기 {t}", (await PostAsync($"여행기-{t}")).GetProperty("title").GetString());

        // The bundle's image went through the photo pipeline: the post points at its variant, served from /media/.
        var bundle = await PostAsync($"bundle-{t}");
        var media = System.Text.RegularExpressions.Regex.Match(bundle.GetProperty("markdown").GetString()!, @"/media/[0-9a-f]{32}/800\.jpg").Value;
        Assert.NotEmpty(media);
        var image = await EventuallyAsync(media, (s, _) => s == HttpStatusCode.OK);
        Assert.Equal((HttpStatusCode.OK, "image/jpeg"), (image.Status, image.Type));
        var page = await EventuallyAsync($"/posts/bundle-{t}/", (s, b) => b.Contains("<picture", StringComparison.Ordinal));
        Assert.Contains("<picture", page.Body);

        // Published posts keep their original order on the site.
        var listed = await EventuallyAsync($"/api/posts?tag=imp{t}", (s, b) => b.Contains($"toml-custom-{t}", StringComparison.Ordinal), seconds: 20);
        var order = JsonDocument.Parse(listed.Body).RootElement.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("slug").GetString()).ToList();
        Assert.Equal([$"bundle-{t}", $"여행기-{t}", $"yaml-{t}", $"toml-custom-{t}"], order);
        Assert.Equal(HttpStatusCode.OK, (await EventuallyAsync(Uri.EscapeDataString($"/posts/여행기-{t}/").Replace("%2F", "/"), (s, _) => s == HttpStatusCode.OK)).Status);

        // The same archive again: nothing new, nothing changed.
        var versions = new Dictionary<string, int>();
        foreach (var slug in new[] { $"yaml-{t}", $"toml-custom-{t}", $"draft-{t}", $"여행기-{t}", $"bundle-{t}" })
        {
            versions[slug] = (await PostAsync(slug)).GetProperty("version").GetInt32();
        }
        var again = await ImportAsync(zip, "my-hugo-site.zip");
        Assert.Equal("done", again.GetProperty("status").GetString());
        Assert.Equal(5, again.GetProperty("results").EnumerateArray().Count(r => r.GetProperty("status").GetString() == "skipped" && r.TryGetProperty("slug", out var s) && s.ValueKind == JsonValueKind.String));
        Assert.Equal(0, again.GetProperty("counts").GetProperty("imported").GetInt32());
        Assert.Equal(0, again.GetProperty("counts").GetProperty("updated").GetInt32());
        foreach (var (slug, version) in versions)
        {
            Assert.Equal(version, (await PostAsync(slug)).GetProperty("version").GetInt32());
        }
        Assert.Equal(media, System.Text.RegularExpressions.Regex.Match((await PostAsync($"bundle-{t}")).GetProperty("markdown").GetString()!, @"/media/[0-9a-f]{32}/800\.jpg").Value);
    }

    /// <summary>The edge's answer to <paramref name="path"/> without following it, as a reader's first request gets it.</summary>
    private async Task<(HttpStatusCode Status, string? Location)> FirstAnswerAsync(string path)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = app.Site.BaseAddress };
        using var response = await http.GetAsync(path);
        return (response.StatusCode, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Readers_of_the_old_blog_following_its_addresses_are_sent_to_the_imported_posts_for_good()
    {
        var t = _tag;
        var zip = new TestArchive()
            .Text("config.toml", $"baseURL = \"https://old-{t}.example.org/\"\ntitle = \"Old\"\nmainSections = [\"blog\"]\n")
            .Text($"content/blog/moved-{t}.md", $"---\ntitle: Moved {t}\ndate: 2020-01-02\naliases: [\"/old/moved-{t}/\", \"/2019/moved-{t}.html\", \"/posts/\", \"//evil.example/x\"]\n---\nHere now.\n")
            .Text($"content/blog/unpublished-{t}.md", $"---\ntitle: Unpublished {t}\ndate: 2020-01-03\ndraft: true\naliases: [\"/old/unpublished-{t}/\"]\n---\nNot yet.\n")
            .ToBytes();

        var job = await ImportAsync(zip);
        AssertResult(job, $"moved-{t}.md", "imported", $"moved-{t}");
        var path = $"/posts/moved-{t}/";
        Assert.Equal(HttpStatusCode.OK, (await EventuallyAsync(path, (status, _) => status == HttpStatusCode.OK)).Status);

        // Hugo's own address for it (its section and slug), and each alias: a permanent redirect to the post here.
        foreach (var old in new[] { $"/blog/moved-{t}/", $"/old/moved-{t}/", $"/2019/moved-{t}.html" })
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            var answer = await FirstAnswerAsync(old);
            while (answer.Status != HttpStatusCode.MovedPermanently && DateTime.UtcNow < deadline)
            {
                await Task.Delay(300);
                answer = await FirstAnswerAsync(old);
            }
            Assert.Equal((HttpStatusCode.MovedPermanently, path), answer);
            using var followed = await app.Site.GetAsync(old);
            Assert.Equal(HttpStatusCode.OK, followed.StatusCode);
            Assert.Contains($"Moved {t}", await followed.Content.ReadAsStringAsync());
        }
        // Never over one of the site's own addresses, never to another site; a draft's old address leads nowhere yet.
        Assert.NotEqual(HttpStatusCode.MovedPermanently, (await FirstAnswerAsync("/posts/")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await FirstAnswerAsync($"/old/unpublished-{t}/")).Status);

        // Unpublished, the post takes its old addresses with it.
        var post = await PostAsync($"moved-{t}");
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/moved-{t}/unpublish", ifMatch: $"\"v{post.GetProperty("version").GetInt32()}\"");
        var gone = DateTime.UtcNow.AddSeconds(20);
        while ((await FirstAnswerAsync($"/old/moved-{t}/")).Status != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < gone, "the old address still redirects after the post was unpublished");
            await Task.Delay(300);
        }
    }

    [Fact]
    public async Task A_jekyll_site_imports_its_dated_posts_drafts_and_assets()
    {
        var t = _tag;
        var zip = new TestArchive()
            .Text($"_posts/2017-06-05-jekyll-{t}.md",
                $"---\nlayout: post\ntitle: Jekyll post {t}\ntags: jek{t} ruby\ncategories: notes\n---\nA picture: ![logo]({{{{ site.baseurl }}}}/assets/logo-{t}.png)\n")
            .Add($"assets/logo-{t}.png", TestImages.Png(300, 200))
            .Text($"_posts/2017-06-06-hidden-{t}.md", $"---\ntitle: Hidden {t}\npublished: false\n---\nnot public\n")
            .Text($"_posts/2017-06-07-timed-{t}.markdown", $"---\ntitle: Timed {t}\ndate: 2017-06-07 21:15:00 +0900\ntags: [jek{t}]\n---\nlater that day\n")
            .Text($"_drafts/idea-{t}.md", $"---\ntitle: An idea {t}\n---\nsomeday\n")
            .Text($"_posts/notes-{t}.md", "---\ntitle: Not dated\n---\nJekyll never builds this\n")
            .Text("_config.yml", "title: My old blog\n")
            .ToBytes();

        var job = await ImportAsync(zip);

        Assert.Equal(("done", "jekyll"), (job.GetProperty("status").GetString(), job.GetProperty("format").GetString()));
        AssertResult(job, $"2017-06-05-jekyll-{t}.md", "imported", $"jekyll-{t}");
        AssertResult(job, $"2017-06-06-hidden-{t}.md", "imported", $"hidden-{t}");
        AssertResult(job, $"2017-06-07-timed-{t}.markdown", "imported", $"timed-{t}");
        AssertResult(job, $"idea-{t}.md", "imported", $"idea-{t}");
        AssertResult(job, $"notes-{t}.md", "skipped");

        var post = await PostAsync($"jekyll-{t}");
        Assert.Equal("published", post.GetProperty("status").GetString());
        Assert.Equal(new DateTimeOffset(2017, 6, 5, 0, 0, 0, TimeSpan.Zero), post.GetProperty("publishedAt").GetDateTimeOffset());
        Assert.Equal([$"jek{t}", "ruby", "notes"], post.GetProperty("tags").EnumerateArray().Select(x => x.GetString()));
        Assert.Matches(@"!\[logo\]\(/media/[0-9a-f]{32}/300\.jpg\)", post.GetProperty("markdown").GetString());
        Assert.Equal("draft", (await PostAsync($"hidden-{t}")).GetProperty("status").GetString());
        Assert.Equal("draft", (await PostAsync($"idea-{t}")).GetProperty("status").GetString());
        Assert.Equal(new DateTimeOffset(2017, 6, 7, 12, 15, 0, TimeSpan.Zero), (await PostAsync($"timed-{t}")).GetProperty("publishedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task What_the_old_engine_did_to_the_text_is_done_on_import_and_each_result_says_what_was_changed_or_left()
    {
        var t = _tag;
        var zip = new TestArchive()
            .Text($"_posts/2019-04-25-lenient-{t}.md", $"---\ntitle: Lenient {t}\ndate: 2019-04-25 9:00:00\n---\nA one-digit hour.\n")
            .Text($"_posts/2019-04-26-unreadable-{t}.md", $"---\ntitle: Unreadable {t}\ndate: the day after\n---\nStill here.\n")
            .Text($"_posts/2019-04-27-markup-{t}.md",
                $"---\ntitle: Markup {t}\n---\nTab\u000Bstop.\n\n{{% highlight ruby %}}\nputs 1\n{{% endhighlight %}}\n\nBefore: {{% post_url 2019-04-25-lenient-{t} %}}\n\n{{% include footer.html %}}\n")
            .ToBytes();

        var job = await ImportAsync(zip, "jekyll-markup.zip");

        Assert.Equal("done", job.GetProperty("status").GetString());
        AssertResult(job, $"lenient-{t}.md", "imported", $"lenient-{t}");
        Assert.Equal(new DateTimeOffset(2019, 4, 25, 9, 0, 0, TimeSpan.Zero), (await PostAsync($"lenient-{t}")).GetProperty("publishedAt").GetDateTimeOffset());
        // A date nothing can read loses nothing: the file name's date, and the result says so.
        AssertResult(job, $"unreadable-{t}.md", "imported", $"unreadable-{t}");
        Assert.Contains("the file name's date (2019-04-26) is used", Result(job, $"unreadable-{t}.md").GetProperty("note").GetString());
        Assert.Equal(new DateTimeOffset(2019, 4, 26, 0, 0, 0, TimeSpan.Zero), (await PostAsync($"unreadable-{t}")).GetProperty("publishedAt").GetDateTimeOffset());

        AssertResult(job, $"markup-{t}.md", "imported", $"markup-{t}");
        var note = Result(job, $"markup-{t}.md").GetProperty("note").GetString();
        Assert.Contains("Removed 1 control character", note);
        Assert.Contains("{% include %}", note);
        var markdown = (await PostAsync($"markup-{t}")).GetProperty("markdown").GetString()!;
        Assert.Contains("```ruby\nputs 1\n```", markdown);
        Assert.Contains($"Before: /posts/lenient-{t}/", markdown);
        Assert.DoesNotContain("\u000B", markdown);
        var page = await EventuallyAsync($"/posts/markup-{t}/", (s, b) => s == HttpStatusCode.OK && b.Contains("<code", StringComparison.Ordinal));
        Assert.Contains("puts 1", page.Body);
    }

    [Fact]
    public async Task An_import_never_overwrites_a_post_it_did_not_make_from_the_same_blog()
    {
        var t = _tag;
        static byte[] Blog(string baseUrl, string title, string t) => new TestArchive()
            .Text("config.toml", $"baseURL = '{baseUrl}'\ntitle = 'Some blog'\n")
            .Text($"content/posts/about-{t}.md", $"---\ntitle: {title}\ndate: 2020-01-01\n---\n{title}'s words.\n")
            .ToBytes();
        // The author's own post holds the slug a third blog's file would take.
        var own = await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title = $"mine {t}", markdown = "Written here.", tags = Array.Empty<string>() });
        var ownSlug = own.GetProperty("slug").GetString()!;

        var first = await ImportAsync(Blog("https://first.example.org/", "First", t));
        AssertResult(first, $"about-{t}.md", "imported", $"about-{t}");
        var second = await ImportAsync(Blog("https://second.example.org/", "Second", t));
        AssertResult(second, $"about-{t}.md", "imported", $"about-{t}-2");
        Assert.Contains($"The slug 'about-{t}' belongs to a post this archive did not make", Result(second, $"about-{t}.md").GetProperty("note").GetString());
        Assert.StartsWith("First's words.", (await PostAsync($"about-{t}")).GetProperty("markdown").GetString());
        Assert.StartsWith("Second's words.", (await PostAsync($"about-{t}-2")).GetProperty("markdown").GetString());

        // Each blog's archive again finds its own post and changes nothing.
        AssertResult(await ImportAsync(Blog("https://second.example.org/", "Second", t)), $"about-{t}.md", "skipped", $"about-{t}-2");
        AssertResult(await ImportAsync(Blog("https://first.example.org/", "First", t)), $"about-{t}.md", "skipped", $"about-{t}");

        var mine = new TestArchive().Text($"_posts/2020-01-02-{ownSlug}.md", "---\ntitle: Imported over it?\n---\nNo.\n").ToBytes();
        AssertResult(await ImportAsync(mine), $"{ownSlug}.md", "imported", $"{ownSlug}-2");
        Assert.Equal("Written here.", (await PostAsync(ownSlug)).GetProperty("markdown").GetString());
    }

    [Fact]
    public async Task A_ghost_export_imports_its_posts_tags_and_images()
    {
        var t = _tag;
        var export = new
        {
            db = new[]
            {
                new
                {
                    meta = new { exported_on = 1700000000000, version = "5.75.0" },
                    data = new
                    {
                        posts = new object[]
                        {
                            new
                            {
                                id = "p1", title = $"Ghost post {t}", slug = $"ghost-{t}", type = "post", status = "published",
                                html = $"<p>Hello from <strong>Ghost</strong>.</p><figure><img src=\"__GHOST_URL__/content/images/2020/01/pic-{t}.jpg\" alt=\"pic\"></figure>",
                                feature_image = $"__GHOST_URL__/content/images/2020/01/pic-{t}.jpg",
                                custom_excerpt = "An old one.", created_at = "2020-01-05 10:00:00", updated_at = "2020-01-06 10:00:00", published_at = "2020-01-05 11:00:00",
                            },
                            new
                            {
                                id = "p2", title = $"Ghost draft {t}", slug = $"ghost-draft-{t}", type = "post", status = "draft",
                                mobiledoc = "{\"version\":\"0.3.1\",\"markups\":[],\"atoms\":[],\"cards\":[[\"markdown\",{\"markdown\":\"Written in *Markdown*.\"}]],\"sections\":[[10,0]]}",
                                html = "<p>Written in <em>Markdown</em>.</p>",
                                created_at = "2021-02-03T04:05:06.000Z", updated_at = "2021-02-03T04:05:06.000Z", published_at = (string?)null,
                            },
                            new { id = "p3", title = $"About {t}", slug = $"about-{t}", type = "page", status = "published", html = "<p>me</p>" },
                            new { id = "p4", title = $"Lexical only {t}", slug = $"lexical-{t}", type = "post", status = "published", lexical = "{\"root\":{}}" },
                        },
                        tags = new object[]
                        {
                            new { id = "t1", name = $"Ghost {t}", slug = $"ghost-{t}" },
                            new { id = "t2", name = "#internal", slug = "hash-internal" },
                        },
                        posts_tags = new object[]
                        {
                            new { post_id = "p1", tag_id = "t1", sort_order = 0 },
                            new { post_id = "p1", tag_id = "t2", sort_order = 1 },
                        },
                    },
                },
            },
        };
        var zip = new TestArchive()
            .Text("my-site.ghost.2024-01-01.json", JsonSerializer.Serialize(export))
            .Add($"content/images/2020/01/pic-{t}.jpg", TestImages.CameraJpeg(640, 480))
            .ToBytes();

        var job = await ImportAsync(zip, "ghost-export.zip");

        Assert.Equal(("done", "ghost"), (job.GetProperty("status").GetString(), job.GetProperty("format").GetString()));
        AssertResult(job, $"ghost-{t}", "imported", $"ghost-{t}");
        AssertResult(job, $"ghost-draft-{t}", "imported", $"ghost-draft-{t}");
        AssertResult(job, $"about-{t}", "imported", $"about-{t}");
        AssertResult(job, $"lexical-{t}", "failed");
        Assert.Contains("Lexical", Result(job, $"lexical-{t}").GetProperty("error").GetString());

        var post = await PostAsync($"ghost-{t}");
        Assert.Equal(new DateTimeOffset(2020, 1, 5, 11, 0, 0, TimeSpan.Zero), post.GetProperty("publishedAt").GetDateTimeOffset());
        Assert.Equal([$"ghost-{t}"], post.GetProperty("tags").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal("An old one.", post.GetProperty("excerpt").GetString());
        var cover = post.GetProperty("coverPhotoId").GetString();
        Assert.Matches("^[0-9a-f]{32}$", cover);
        Assert.Contains($"/media/{cover}/640.jpg", post.GetProperty("markdown").GetString());
        var draft = await PostAsync($"ghost-draft-{t}");
        Assert.Equal("draft", draft.GetProperty("status").GetString());
        // Ghost's page is a page: at the top level, not in the lists or the feed.
        var about = await PostAsync($"about-{t}");
        Assert.Equal(("page", $"/about-{t}/", "published"), (about.GetProperty("kind").GetString()!, about.GetProperty("url").GetString()!, about.GetProperty("status").GetString()!));
        Assert.Equal(HttpStatusCode.OK, (await EventuallyAsync($"/about-{t}/", (s, _) => s == HttpStatusCode.OK)).Status);
        Assert.DoesNotContain($"about-{t}", await app.Site.GetStringAsync("/feed.xml"));
        Assert.Equal("Written in *Markdown*.", draft.GetProperty("markdown").GetString()); // the author's own Markdown, not the HTML
        var page = await EventuallyAsync($"/posts/ghost-{t}/", (s, b) => b.Contains($"/media/{cover}/", StringComparison.Ordinal) && b.Contains("og:image", StringComparison.Ordinal));
        Assert.Contains("<strong>Ghost</strong>", page.Body);
    }

    [Fact]
    public async Task Hostile_archives_are_refused_with_reasons_and_their_good_files_still_import()
    {
        var t = _tag;
        var zip = new TestArchive()
            .Text($"content/posts/fine-{t}.md", $"---\ntitle: Fine {t}\ndate: 2020-02-02\n---\nok\n")
            .Text("../../../../tmp/evil.md", "---\ntitle: Evil\n---\nx")
            .Symlink($"content/posts/link-{t}.md", "/etc/passwd")
            .Text($"content/posts/huge-{t}.md", "---\ntitle: Huge\n---\n" + new string('x', 1_200_000))
            .ToBytes();

        var job = await ImportAsync(zip);

        Assert.Equal("done", job.GetProperty("status").GetString());
        AssertResult(job, $"fine-{t}.md", "imported", $"fine-{t}");
        Assert.Contains("climbs out", Result(job, "tmp/evil.md").GetProperty("error").GetString());
        Assert.Contains("symbolic link", Result(job, $"link-{t}.md").GetProperty("error").GetString());
        AssertResult(job, $"huge-{t}.md", "failed");

        var notAZip = await ImportAsync("this is not a zip at all"u8.ToArray());
        Assert.Equal("failed", notAZip.GetProperty("status").GetString());
        Assert.Contains("not a readable .zip", notAZip.GetProperty("error").GetString());

        var noBlog = await ImportAsync(new TestArchive().Text("notes.txt", "hello").ToBytes());
        Assert.Equal("failed", noBlog.GetProperty("status").GetString());
        Assert.Contains("No blog found", noBlog.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Archives_built_to_wedge_the_importer_end_done_with_each_bad_file_failed_for_its_reason()
    {
        var t = _tag;
        var zip = new TestArchive()
            .Text($"_posts/2019-02-30-no-such-day-{t}.md", "---\ntitle: No such day\n---\nx")
            .Text($"_posts/2019-03-01-tag-openings-{t}.md", "---\ntitle: Openings\npublished: false\n---\n" + string.Concat(Enumerable.Repeat("<img ", 58_000)))
            .Text($"_posts/2019-03-02-link-flood-{t}.md", "---\ntitle: Links\n---\n" + string.Concat(Enumerable.Repeat("[](", 20_000)))
            .Text($"_posts/2019-03-03-nested-{t}.md", "---\ntitle: Nested\n---\n" + string.Concat(Enumerable.Repeat("> ", 3_000)) + "deep")
            .Text($"_posts/2019-03-04-bomb-photo-{t}.md", $"---\ntitle: Bomb photo {t}\n---\n![bomb](/assets/bomb-{t}.png)")
            .Add($"assets/bomb-{t}.png", TestImages.PngWithCompressedText(1L << 30))
            .Text($"_posts/2019-03-05-fine-{t}.md", $"---\ntitle: Fine {t}\n---\nok")
            .ToBytes();

        var job = await ImportAsync(zip);

        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Contains("not a day of the calendar", Result(job, $"no-such-day-{t}.md").GetProperty("error").GetString());
        AssertResult(job, $"tag-openings-{t}.md", "imported");
        Assert.Contains("unclosed links", Result(job, $"link-flood-{t}.md").GetProperty("error").GetString());
        Assert.Contains("nests", Result(job, $"nested-{t}.md").GetProperty("error").GetString());
        AssertResult(job, $"fine-{t}.md", "imported", $"fine-{t}");
        AssertResult(job, $"bomb-photo-{t}.md", "imported", $"bomb-photo-{t}");
        // The bomb's text is never inflated: the photo is made like any other and the page shows it.
        var page = await EventuallyAsync($"/posts/bomb-photo-{t}/", (s, b) => s == HttpStatusCode.OK && b.Contains("<picture>", StringComparison.Ordinal), 60);
        Assert.Contains("<picture>", page.Body);

        var ghost = await ImportAsync(new TestArchive().Text("export.json", $$$"""
            {"db":[{"meta":{"version":"5.0.0"},"data":{"posts":[
              {"id":"1","title":"Far future","slug":"far-future-{{{t}}}","html":"<p>x</p>","status":"published","published_at":99999999999999999},
              7,
              {"id":"2","title":"Fine ghost {{{t}}}","slug":"fine-ghost-{{{t}}}","html":"<p>ok</p>","status":"published","published_at":"2024-05-06 07:08:09"}],
              "posts_tags":[{"post_id":"2","tag_id":"t","sort_order":1e300}],"tags":[{"id":"t","name":"News"}]}}]}
            """).ToBytes());
        Assert.Equal("done", ghost.GetProperty("status").GetString());
        AssertResult(ghost, $"far-future-{t}", "failed");
        AssertResult(ghost, $"fine-ghost-{t}", "imported", $"fine-ghost-{t}");
    }

    /// <summary>The imports queue's delivery of an archive's S3 event, as Lambda hands it over on its <paramref name="receiveCount"/>th receive.</summary>
    private async Task DeliverAsync(string importId, int receiveCount)
    {
        var notification = """{"Records":[{"eventName":"ObjectCreated:Put","eventSource":"aws:s3","s3":{"bucket":{"name":"BUCKET"},"object":{"key":"imports/ID/archive.zip","size":10}}}]}"""
            .Replace("BUCKET", MyBlogBuckets.Uploads, StringComparison.Ordinal).Replace("ID", importId, StringComparison.Ordinal);
        var message = SqsMessage.Received(Guid.NewGuid().ToString(), "receipt", notification, "md5", receiveCount, DateTimeOffset.UtcNow,
            DateTimeOffset.UtcNow, "s3", "arn:aws:sqs:us-east-1:000000000000:myblog-imports", "us-east-1");
        using var response = await app.Workers.PostAsync(AwsFunctions.Imports.Path,
            new StringContent(LambdaEvents.Serialize(new SqsEvent([message])), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>An import as its runs left it: running, the last runner's lease over, <paramref name="attempts"/> runs of which <paramref name="released"/> said they failed.</summary>
    private async Task<string> ImportLeftRunningAsync(int attempts, int released)
    {
        var ticket = await app.AdminAsync(HttpMethod.Post, "/api/admin/imports", new { fileName = "left.zip", contentType = "application/zip", size = 10 });
        var importId = ticket.GetProperty("importId").GetString()!;
        using var dynamo = app.DynamoDb();
        await dynamo.UpdateItemAsync(new Amazon.DynamoDBv2.Model.UpdateItemRequest
        {
            TableName = MyBlogTable.DefaultName,
            Key = new() { ["pk"] = new($"IMPORT#{importId}"), ["sk"] = new("IMPORT") },
            UpdateExpression = "SET #status = :running, leaseUntil = :past, attempts = :attempts, released = :released",
            ExpressionAttributeNames = new() { ["#status"] = "status" },
            ExpressionAttributeValues = new()
            {
                [":running"] = new("running"),
                [":past"] = new() { N = "1" },
                [":attempts"] = new() { N = attempts.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                [":released"] = new() { N = released.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            },
        });
        return importId;
    }

    [Fact]
    public async Task An_import_whose_runs_all_vanished_ends_failed_on_its_last_delivery_and_the_editor_is_told_it_stalled()
    {
        var importId = await ImportLeftRunningAsync(attempts: 2, released: 0);
        var stalled = await app.AdminAsync(HttpMethod.Get, $"/api/admin/imports/{importId}");
        Assert.True(stalled.GetProperty("stalled").GetBoolean());

        await DeliverAsync(importId, AwsFunctions.Imports.Queue.MaxReceiveCount);

        var job = await app.AdminAsync(HttpMethod.Get, $"/api/admin/imports/{importId}");
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("stopped without finishing 2 time(s)", job.GetProperty("error").GetString());
        Assert.False(job.GetProperty("stalled").GetBoolean());
    }

    [Fact]
    public async Task An_import_that_fails_on_its_last_delivery_records_why_instead_of_waiting_for_ever()
    {
        // Its earlier runs failed and said so (storage away); this run fails too: the archive is not in storage.
        var importId = await ImportLeftRunningAsync(attempts: 2, released: 2);

        await DeliverAsync(importId, AwsFunctions.Imports.Queue.MaxReceiveCount - 1);
        Assert.Equal("running", (await app.AdminAsync(HttpMethod.Get, $"/api/admin/imports/{importId}")).GetProperty("status").GetString());
        await DeliverAsync(importId, AwsFunctions.Imports.Queue.MaxReceiveCount);

        var job = await app.AdminAsync(HttpMethod.Get, $"/api/admin/imports/{importId}");
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains($"could not finish after {AwsFunctions.Imports.Queue.MaxReceiveCount} attempts", job.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("""{"fileName": "site.tar.gz", "contentType": "application/gzip", "size": 1000}""", 400)]
    [InlineData("""{"fileName": "site.zip", "contentType": "application/zip", "size": 999999999999}""", 413)]
    [InlineData("""{"fileName": "", "contentType": "application/zip", "size": 10}""", 400)]
    [InlineData("""{"fileName": "site.zip", "contentType": "application/zip"}""", 400)]
    public async Task A_bad_declaration_gets_no_upload_url(string json, int expected)
    {
        using var request = TestTopology.AdminRequest(HttpMethod.Post, "/api/admin/imports");
        request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await app.Site.SendAsync(request);
        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, "/api/admin/imports/0123456789abcdef0123456789abcdef"))).StatusCode);
    }
}
