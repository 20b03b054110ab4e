using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MyBlog.Core.Posts;

namespace MyBlog.Workers.Imports;

/// <summary>One post as the old blog wrote it, before its images are brought over and it is checked.</summary>
/// <param name="File">Where it came from, as the author will recognise it in the results.</param>
/// <param name="Directory">The folder of the source file: relative image paths start there (a Hugo page bundle).</param>
/// <param name="Roots">Where a path starting with '/' is looked up (Hugo's static/, a Jekyll site's root).</param>
/// <param name="Notes">What the author should know about how it was read (a date taken from the file name, say).</param>
/// <param name="Origin">The engine's own lasting id for the post (Ghost's uuid), when it has one.</param>
public sealed record SourcePost(
    string File, string? Slug, string? Title, string Body, IReadOnlyList<string> Tags, string? Excerpt, bool Draft,
    DateTimeOffset? Date, DateTimeOffset? Updated, string? Cover, string Directory, IReadOnlyList<string> Roots,
    IReadOnlyList<string>? Notes = null, string? Origin = null, PostKind Kind = PostKind.Post, IReadOnlyList<string?>? OldUrls = null);

/// <summary>A file of the archive: a post, or why it is not imported (skipped, or failed with its reason).</summary>
public sealed record SourceFile(string File, SourcePost? Post = null, string? Skipped = null, string? Error = null);

/// <summary>
/// Which blog an archive holds, and its posts, read the way each engine reads them: Hugo (a site, or its
/// <c>content/</c> folder: YAML, TOML or JSON front matter, page bundles, <c>_index</c> pages skipped), Jekyll
/// (<c>_posts/YYYY-MM-DD-slug.md</c>, <c>_drafts/</c>, and its pages: About, Contact), or a Ghost JSON export (posts, tags, HTML, or the
/// Markdown card of older exports).
/// </summary>
public static partial class BlogSources
{
    /// <summary>A post's file: Markdown of a few hundred kilobytes at most, with room for its front matter.</summary>
    public const long MaxPostBytes = 1024 * 1024;

    /// <summary>A Ghost export is the whole site's text in one file.</summary>
    public const long MaxGhostExportBytes = 100L * 1024 * 1024;

    private static readonly string[] PostExtensions = [".md", ".markdown", ".mdown", ".html", ".htm"];

    public static (string? Format, IEnumerable<SourceFile> Files) Read(BlogArchive archive)
    {
        var paths = archive.Paths.Order(StringComparer.Ordinal).ToList();
        if (paths.Any(p => p.Split('/').SkipLast(1).Any(s => s is "_posts" or "_drafts")))
        {
            return ("jekyll", Jekyll(archive, paths));
        }
        var ghost = paths.Where(p => p.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && p.Count(c => c == '/') <= 1).ToList();
        foreach (var candidate in ghost)
        {
            if (GhostExport.TryRead(archive, candidate) is { } export)
            {
                return ("ghost", export.Posts());
            }
        }
        var contentRoot = paths.Any(p => p.StartsWith("content/", StringComparison.Ordinal)) ? "content/" : "";
        if (paths.Any(p => p.StartsWith(contentRoot, StringComparison.Ordinal) && IsPost(p)))
        {
            return ("hugo", Hugo(archive, paths, contentRoot));
        }
        return (null, []);
    }

    /// <summary>
    /// What names the blog an archive holds — a Hugo site's baseURL (else its title), a Jekyll site's url and baseurl
    /// (else its title) — so that two blogs' files of the same name are not taken for each other. Empty when the
    /// archive says nothing about its site (a bare content folder).
    /// </summary>
    public static string SiteOf(BlogArchive archive, string format)
    {
        var configs = archive.Paths.Where(p => format == "hugo" ? HugoConfigName().IsMatch(p) : p == "_config.yml").Order(StringComparer.Ordinal);
        foreach (var config in configs)
        {
            var text = ReadConfig(archive, config);
            string? Setting(string key) => SiteSetting().Matches(text).FirstOrDefault(m => m.Groups["key"].Value.Equals(key, StringComparison.OrdinalIgnoreCase))?.Groups["value"].Value.Trim();
            var site = format == "hugo"
                ? Setting("baseURL") ?? Setting("title")
                : Setting("url") is { } url ? url + (Setting("baseurl") ?? "") : Setting("title");
            if (!string.IsNullOrEmpty(site))
            {
                return site.TrimEnd('/');
            }
        }
        return "";
    }

    private static bool IsPost(string path) => PostExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<SourceFile> Hugo(BlogArchive archive, List<string> paths, string contentRoot)
    {
        // Absolute paths in a Hugo site are served from static/ (and assets/), and bundles under their URL.
        string[] roots = [contentRoot == "" ? "" : "static/", "assets/", contentRoot];
        var content = paths.Where(p => p.StartsWith(contentRoot, StringComparison.Ordinal) && IsPost(p)).ToList();
        var posts = PostSections(archive, paths, content, contentRoot);
        var urls = HugoUrls.Read(paths.Where(IsHugoConfig).Select(p => ReadConfig(archive, p)));
        var contentPaths = content.ToHashSet(StringComparer.Ordinal);
        foreach (var path in content)
        {
            var name = path.Split('/')[^1];
            var section = SectionOf(path, contentRoot);
            // The site's own pages (content/about.md) come in as pages; so does a section's _index page that has
            // words of its own, when the section is not the blog's posts (content/about/_index.md). The home page's
            // _index and the posts section's are list pages, which MyBlog makes itself.
            var index = name.StartsWith("_index.", StringComparison.Ordinal);
            var page = posts.Count > 0 && (section is null || index && !posts.Contains(section));
            if (index && (!page || path[contentRoot.Length..].Count(c => c == '/') != 1))
            {
                yield return new SourceFile(path, Skipped: "A section's list page (_index), not a post.");
                continue;
            }
            if (posts.Count > 0 && !page && (section is null || !posts.Contains(section)))
            {
                var main = string.Join(", ", posts.Order(StringComparer.Ordinal).Select(p => $"'{p}'"));
                yield return new SourceFile(path, Skipped: $"In the section '{section}', not the blog's posts ({main}, Hugo's mainSections or its largest section).");
                continue;
            }
            if (Translation(path, contentPaths) is { } original)
            {
                yield return new SourceFile(path, Skipped: $"A translation ({original.Language}) of {original.Path}: one language is imported.");
                continue;
            }
            yield return FromFrontMatter(archive, path, matter =>
            {
                if (matter.Bool("headless") == true)
                {
                    return new SourceFile(path, Skipped: "A headless bundle (headless: true), not a post.");
                }
                if (page && string.IsNullOrWhiteSpace(matter.Body))
                {
                    // PaperMod's Archive and Search: the theme draws them; they hold nothing of the author's.
                    return new SourceFile(path, Skipped: matter.String("layout") is { } layout
                        ? $"A page the theme draws (layout: {layout}), with nothing of its own to import."
                        : "A page with nothing in it.");
                }
                var directory = Directory(path);
                var bundle = name.StartsWith("index.", StringComparison.Ordinal);
                var fileSlug = bundle || index ? directory.TrimEnd('/').Split('/')[^1] : WithoutLanguage(Path.GetFileNameWithoutExtension(name));
                var date = matter.Date("date", "publishDate", "pubdate", "published", "lastmod", "modified");
                // Where Hugo published it: its url, else the site's permalink pattern for its section, else its
                // section's folders and its slug; and its aliases.
                var folders = directory[contentRoot.Length..];
                folders = bundle || index ? folders[..(folders.TrimEnd('/').LastIndexOf('/') + 1)] : folders;
                var hugoPath = matter.String("url") ?? urls.PathOf(new HugoPage(section, folders, matter.String("slug"), fileSlug, matter.String("title"), date));
                return new SourceFile(path, new SourcePost(path,
                    matter.String("slug") ?? fileSlug,
                    matter.String("title"),
                    matter.Body,
                    matter.List("tags", "categories"),
                    matter.String("summary", "description"),
                    matter.Bool("draft") ?? false,
                    date,
                    matter.Date("lastmod", "modified") ?? date,
                    matter.String("image", "featured_image", "featureImage") ?? matter.List("images").FirstOrDefault(),
                    directory,
                    roots,
                    Kind: page ? PostKind.Page : PostKind.Post,
                    OldUrls: [hugoPath, .. matter.List("aliases")]));
            });
        }
    }

    /// <summary>
    /// The sections that hold the blog's posts, as Hugo decides: the site's <c>mainSections</c> (top level or under
    /// params, in any of its config files), else the section with the most dated pages. Empty when the content has no
    /// sections at all (a folder of posts): then every page is a post.
    /// </summary>
    private static IReadOnlySet<string> PostSections(BlogArchive archive, List<string> paths, List<string> content, string contentRoot)
    {
        var sections = content.Select(p => SectionOf(p, contentRoot)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (sections.Count == 0)
        {
            return sections;
        }
        var configured = paths.Where(IsHugoConfig)
            .SelectMany(p => MainSections(ReadConfig(archive, p)))
            .Where(sections.Contains)
            .ToHashSet(StringComparer.Ordinal);
        if (configured.Count > 0)
        {
            return configured;
        }
        var largest = content
            .Where(p => SectionOf(p, contentRoot) is not null && !p.Split('/')[^1].StartsWith("_index.", StringComparison.Ordinal))
            .GroupBy(p => SectionOf(p, contentRoot)!)
            .Select(g => (Section: g.Key, Dated: g.Count(IsDated), Pages: g.Count()))
            .OrderByDescending(s => s.Dated).ThenByDescending(s => s.Pages).ThenBy(s => s.Section, StringComparer.Ordinal)
            .First();
        return new HashSet<string>(StringComparer.Ordinal) { largest.Section };

        bool IsDated(string path)
        {
            try
            {
                return FrontMatter.Parse(archive.ReadText(path, MaxPostBytes)).Date("date", "publishDate") is not null;
            }
            catch (Exception ex) when (ex is FormatException or InvalidDataException or System.Text.DecoderFallbackException)
            {
                return false; // that file's own reading says why
            }
        }
    }

    /// <summary>The first folder under the content root ("posts" for content/posts/a/b.md), or null for a top-level page.</summary>
    private static string? SectionOf(string path, string contentRoot)
    {
        var rest = path[contentRoot.Length..];
        var slash = rest.IndexOf('/');
        return slash < 0 ? null : rest[..slash];
    }

    private static bool IsHugoConfig(string path) =>
        HugoConfigName().IsMatch(path);

    private static string ReadConfig(BlogArchive archive, string path)
    {
        try
        {
            return archive.ReadText(path, MaxPostBytes);
        }
        catch (Exception ex) when (ex is InvalidDataException or System.Text.DecoderFallbackException)
        {
            return "";
        }
    }

    /// <summary><c>mainSections</c> as YAML, TOML or JSON write it (a flow list or YAML's block list; Hugo's keys ignore case).</summary>
    private static IEnumerable<string> MainSections(string config)
    {
        foreach (Match m in MainSectionsFlow().Matches(config))
        {
            foreach (var item in m.Groups["list"].Value.Split(','))
            {
                yield return item.Trim().Trim('"', '\'');
            }
        }
        foreach (Match m in MainSectionsBlock().Matches(config))
        {
            foreach (Capture item in m.Groups["item"].Captures)
            {
                yield return item.Value.Trim().Trim('"', '\'');
            }
        }
    }

    /// <summary>
    /// Whether a page is another language's copy of one beside it — <c>post.fr.md</c> next to <c>post.md</c>,
    /// <c>index.fr.md</c> in a bundle with <c>index.md</c> — and of which.
    /// </summary>
    private static (string Language, string Path)? Translation(string path, HashSet<string> content)
    {
        var name = path.Split('/')[^1];
        var stem = Path.GetFileNameWithoutExtension(name);
        if (LanguageSuffix().Match(stem) is not { Success: true } m)
        {
            return null;
        }
        var directory = Directory(path);
        var original = PostExtensions.Select(e => directory + m.Groups["stem"].Value + e).FirstOrDefault(content.Contains);
        return original is null ? null : (m.Groups["lang"].Value, original);
    }

    /// <summary>"post.fr" → "post": a page in one language only is still that page.</summary>
    private static string WithoutLanguage(string stem) => LanguageSuffix().Match(stem) is { Success: true } m ? m.Groups["stem"].Value : stem;

    private static IEnumerable<SourceFile> Jekyll(BlogArchive archive, List<string> paths)
    {
        var style = paths.Contains("_config.yml")
            ? SiteSetting().Matches(ReadConfig(archive, "_config.yml")).FirstOrDefault(m => m.Groups["key"].Value == "permalink")?.Groups["value"].Value.Trim()
            : null;
        foreach (var path in paths.Where(p => IsPost(p) && p.Split('/').SkipLast(1).Any(s => s is "_posts" or "_drafts")))
        {
            var segments = path.Split('/');
            var isDraft = segments.SkipLast(1).Contains("_drafts");
            var name = segments[^1];
            var stem = Path.GetFileNameWithoutExtension(name);
            DateTimeOffset? fileDate = null;
            if (JekyllPostName().Match(stem) is { Success: true } dated)
            {
                if (!DateTime.TryParseExact(dated.Groups[1].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var named))
                {
                    yield return new SourceFile(path, Error: $"The date in the file name, {dated.Groups[1].Value}, is not a day of the calendar.");
                    continue;
                }
                fileDate = new DateTimeOffset(named, TimeSpan.Zero);
                stem = dated.Groups[2].Value;
            }
            else if (!isDraft)
            {
                yield return new SourceFile(path, Skipped: "Jekyll publishes only posts named YYYY-MM-DD-title; this one it would not either.");
                continue;
            }
            yield return FromFrontMatter(archive, path, matter =>
            {
                List<string> notes = [];
                DateTimeOffset? date;
                try
                {
                    date = matter.Date("date") ?? fileDate;
                }
                catch (FormatException ex) when (fileDate is not null)
                {
                    // Jekyll would have read it somehow; the file name's date is the post's date, and nothing is lost.
                    date = fileDate;
                    notes.Add($"{ex.Message}; the file name's date ({fileDate:yyyy-MM-dd}) is used.");
                }
                var categories = segments.TakeWhile(s => s is not ("_posts" or "_drafts")).Concat(JekyllCategories(matter)).ToList();
                var jekyllPath = matter.String("permalink") ?? (date is { } d && !isDraft ? JekyllPermalink(style, categories, d, matter.String("slug") ?? stem) : null);
                return new SourceFile(path, new SourcePost(path,
                    matter.String("slug") ?? stem,
                    matter.String("title"),
                    LiquidUrls(matter.Body),
                    matter.List("tags", "tag", "categories", "category"),
                    matter.String("excerpt", "description"),
                    isDraft || matter.Bool("published") == false,
                    date,
                    matter.Date("last_modified_at", "updated", "modified") ?? date,
                    matter.String("image", "cover", "featured_image") is { } cover ? LiquidUrls(cover) : null,
                    Directory(path),
                    [""],
                    notes,
                    OldUrls: [jekyllPath, .. matter.List("redirect_from")]));
            });
        }
        foreach (var path in paths.Where(IsJekyllPage))
        {
            yield return FromFrontMatter(archive, path, matter => JekyllPage(path, matter));
        }
    }

    /// <summary>
    /// A file Jekyll would make a page of, if it has front matter: Markdown or HTML outside the folders Jekyll keeps
    /// to itself (<c>_layouts</c>, <c>_includes</c>, any <c>_</c> or <c>.</c> folder) and the ones it excludes.
    /// </summary>
    private static bool IsJekyllPage(string path)
    {
        var segments = path.Split('/');
        return IsPost(path)
            && !segments.Any(s => s.StartsWith('_') || s.StartsWith('.'))
            && !segments.SkipLast(1).Any(s => s is "node_modules" or "vendor" or "gemfiles");
    }

    /// <summary>
    /// A Jekyll page as MyBlog's page (About, Contact), at the top-level address its permalink or its name gives; the
    /// pages Jekyll draws from the site's data (the home page, lists looping over posts, the 404 page) are MyBlog's own
    /// to make, and are skipped with the reason.
    /// </summary>
    private static SourceFile JekyllPage(string path, FrontMatter matter)
    {
        var segments = path.Split('/');
        var stem = Path.GetFileNameWithoutExtension(segments[^1]);
        if (matter.Format is null)
        {
            return new SourceFile(path, Skipped: "No front matter: Jekyll copies this file as it is, it is not a page.");
        }
        if (segments.Length == 1 && stem == "index")
        {
            return new SourceFile(path, Skipped: "The site's home page: MyBlog makes its own.");
        }
        if (stem == "404")
        {
            return new SourceFile(path, Skipped: "The site's 404 page: MyBlog makes its own.");
        }
        if (LiquidLoop().IsMatch(matter.Body))
        {
            return new SourceFile(path, Skipped: "A page Jekyll draws from the site's data (a Liquid loop over posts or pages): MyBlog makes its own lists.");
        }
        if (string.IsNullOrWhiteSpace(matter.Body))
        {
            return new SourceFile(path, Skipped: "A page with nothing in it.");
        }
        // "/about/" or "/about.html" → about; a nested page (docs/install.md) keeps its folders in its name.
        var permalink = matter.String("permalink")?.Trim('/');
        var named = permalink is { Length: > 0 } && !permalink.Contains(':', StringComparison.Ordinal)
            ? Path.ChangeExtension(permalink, null)!
            : string.Join('/', segments.SkipLast(1).Append(stem == "index" ? "" : stem).Where(s => s.Length > 0));
        return new SourceFile(path, new SourcePost(path,
            matter.String("slug") ?? named.Replace('/', '-'),
            matter.String("title") ?? stem,
            LiquidUrls(matter.Body),
            [],
            matter.String("excerpt", "description"),
            matter.Bool("published") == false,
            matter.Date("date"),
            matter.Date("last_modified_at", "updated", "modified") ?? matter.Date("date"),
            matter.String("image", "cover", "featured_image") is { } cover ? LiquidUrls(cover) : null,
            Directory(path),
            [""],
            Kind: PostKind.Page,
            OldUrls: [matter.String("permalink") ?? "/" + Path.ChangeExtension(path, ".html"), .. matter.List("redirect_from")]));
    }

    /// <summary>A post's categories as Jekyll's <c>:categories</c> has them: front matter's, lower-cased.</summary>
    private static IEnumerable<string> JekyllCategories(FrontMatter matter) =>
        matter.List("categories", "category").SelectMany(c => c.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Where Jekyll published a post: the site's <c>permalink</c> setting — a named style (date, the default;
    /// pretty, ordinal, none) or a pattern of <c>:year</c>, <c>:month</c>, <c>:day</c>, <c>:title</c>, <c>:categories</c>
    /// and the like.
    /// </summary>
    public static string JekyllPermalink(string? style, IReadOnlyList<string> categories, DateTimeOffset date, string title)
    {
        var pattern = (style ?? "date") switch
        {
            "date" => "/:categories/:year/:month/:day/:title:output_ext",
            "pretty" => "/:categories/:year/:month/:day/:title/",
            "ordinal" => "/:categories/:year/:y_day/:title:output_ext",
            "none" => "/:categories/:title:output_ext",
            var custom => custom,
        };
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["categories"] = string.Join('/', categories.Select(c => c.ToLowerInvariant())),
            ["year"] = date.Year.ToString("D4", CultureInfo.InvariantCulture),
            ["short_year"] = (date.Year % 100).ToString("D2", CultureInfo.InvariantCulture),
            ["month"] = date.Month.ToString("D2", CultureInfo.InvariantCulture),
            ["i_month"] = date.Month.ToString(CultureInfo.InvariantCulture),
            ["day"] = date.Day.ToString("D2", CultureInfo.InvariantCulture),
            ["i_day"] = date.Day.ToString(CultureInfo.InvariantCulture),
            ["y_day"] = date.DayOfYear.ToString("D3", CultureInfo.InvariantCulture),
            ["title"] = title,
            ["slug"] = title,
            ["output_ext"] = ".html",
        };
        var url = JekyllPlaceholder().Replace(pattern, m => values.GetValueOrDefault(m.Groups[1].Value, m.Value));
        while (url.Contains("//", StringComparison.Ordinal))
        {
            url = url.Replace("//", "/", StringComparison.Ordinal);
        }
        return url;
    }

    /// <summary>
    /// A post file read through its front matter: <paramref name="build"/> makes the post (or the reason it is
    /// skipped) from it; what cannot be read or understood is that file's failure, with its reason.
    /// </summary>
    private static SourceFile FromFrontMatter(BlogArchive archive, string path, Func<FrontMatter, SourceFile> build)
    {
        try
        {
            return build(FrontMatter.Parse(archive.ReadText(path, MaxPostBytes)));
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or System.Text.DecoderFallbackException)
        {
            return new SourceFile(path, Error: ex.Message);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException or IOException))
        {
            // A parser's own failure on input nobody anticipated: this file's result, never the end of the import.
            return new SourceFile(path, Error: $"The file could not be read: {ex.Message}");
        }
    }

    private static string Directory(string path) => path.Contains('/') ? path[..(path.LastIndexOf('/') + 1)] : "";

    /// <summary>
    /// Jekyll's ways of writing a site URL — <c>{{ site.baseurl }}/x.png</c>, <c>{{ "/x.png" | relative_url }}</c> —
    /// as the plain paths they produce.
    /// </summary>
    public static string LiquidUrls(string text) =>
        SiteVariable().Replace(LiquidUrlFilter().Replace(text, m => m.Groups[1].Value), "");

    [GeneratedRegex(@":(output_ext|categories|short_year|i_month|y_day|i_day|year|month|day|title|slug)")]
    private static partial Regex JekyllPlaceholder();

    [GeneratedRegex(@"\{%-?\s*for\s+\w+\s+in\s+(site\.|paginator\.)")]
    private static partial Regex LiquidLoop();

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2})-(.+)$")]
    private static partial Regex JekyllPostName();

    [GeneratedRegex(@"^(?:config|hugo|config/_default/(?:config|hugo|params))\.(?:ya?ml|toml|json)$")]
    private static partial Regex HugoConfigName();

    [GeneratedRegex(@"(?:^|[\s{,])""?mainsections""?[ \t]*[:=][ \t]*\[(?<list>[^\]\n]*)\]", RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.NonBacktracking)]
    private static partial Regex MainSectionsFlow();

    [GeneratedRegex(@"^[ \t]*mainsections:[ \t]*\r?\n(?:[ \t]*-[ \t]*(?<item>[^\r\n]+)\r?\n?)+", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex MainSectionsBlock();

    [GeneratedRegex(@"^[ \t]*""?(?<key>baseurl|url|title|permalink)""?[ \t]*[:=][ \t]*[""']?(?<value>[^""'\r\n#]+)", RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.NonBacktracking)]
    private static partial Regex SiteSetting();

    [GeneratedRegex(@"^(?<stem>.+)\.(?<lang>[a-z]{2}(?:-[A-Za-z]{2,4})?)$")]
    private static partial Regex LanguageSuffix();

    [GeneratedRegex(@"\{\{\s*['""]([^'""{}]+)['""]\s*\|\s*(?:relative_url|absolute_url)\s*\}\}")]
    private static partial Regex LiquidUrlFilter();

    [GeneratedRegex(@"\{\{\s*site\.(?:baseurl|url)\s*\}\}")]
    private static partial Regex SiteVariable();
}

/// <summary>
/// A Ghost export: <c>{"db": [{"meta": …, "data": …}]}</c> or the bare <c>{"meta", "data"}</c>, posts with their
/// tags through <c>posts_tags</c>. Pages are not posts; a post with only Lexical or Mobiledoc content (no HTML in the
/// export, no Markdown card) cannot be read and says so.
/// </summary>
public sealed class GhostExport : IDisposable
{
    private readonly JsonDocument _document;
    private readonly JsonElement _data;
    private readonly string _file;

    private GhostExport(JsonDocument document, JsonElement data, string file) => (_document, _data, _file) = (document, data, file);

    public static GhostExport? TryRead(BlogArchive archive, string path)
    {
        JsonDocument document;
        try
        {
            if (archive.DeclaredLength(path) > BlogSources.MaxGhostExportBytes)
            {
                return null;
            }
            document = JsonDocument.Parse(archive.Read(path, BlogSources.MaxGhostExportBytes), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            return null;
        }
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("db", out var db) && db.ValueKind == JsonValueKind.Array && db.GetArrayLength() > 0)
        {
            root = db[0];
        }
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("posts", out var posts) && posts.ValueKind == JsonValueKind.Array)
        {
            return new GhostExport(document, data, path);
        }
        document.Dispose();
        return null;
    }

    public IEnumerable<SourceFile> Posts()
    {
        using var _ = this;
        var tags = Array("tags").Where(t => Str(t, "id") is not null)
            .GroupBy(t => Str(t, "id")!).ToDictionary(g => g.Key, g => Str(g.First(), "name") ?? Str(g.First(), "slug"));
        var postTags = Array("posts_tags")
            .Where(pt => Str(pt, "post_id") is not null && Str(pt, "tag_id") is not null)
            // Any number an export holds, however large, orders; one that is not a number counts as 0.
            .OrderBy(pt => pt.ValueKind == JsonValueKind.Object && pt.TryGetProperty("sort_order", out var order) && order.ValueKind == JsonValueKind.Number && order.TryGetDouble(out var n) ? n : 0)
            .GroupBy(pt => Str(pt, "post_id")!)
            .ToDictionary(g => g.Key, g => g.Select(pt => tags.GetValueOrDefault(Str(pt, "tag_id")!))
                .OfType<string>().Where(name => !name.StartsWith('#')).ToList()); // '#' marks Ghost's internal tags
        foreach (var post in Array("posts"))
        {
            var label = $"{_file} › {Str(post, "slug") ?? Str(post, "title") ?? Str(post, "id") ?? "post"}";
            var kind = Str(post, "type") switch
            {
                null or "post" => PostKind.Post,
                "page" => PostKind.Page,
                _ => (PostKind?)null,
            };
            if (kind is null)
            {
                yield return new SourceFile(label, Skipped: $"A Ghost {Str(post, "type")}, not a post or a page.");
                continue;
            }
            var body = MarkdownCard(Str(post, "mobiledoc")) ?? Str(post, "html") ?? Str(post, "markdown");
            if (body is null)
            {
                yield return new SourceFile(label, Error: Str(post, "lexical") is not null || Str(post, "mobiledoc") is not null
                    ? "The post has only Lexical or Mobiledoc content; export it from a Ghost version that includes HTML."
                    : "The post has no content (no HTML or Markdown).");
                continue;
            }
            SourceFile result;
            try
            {
                var published = Str(post, "status") == "published";
                var date = Date(post, "published_at") ?? Date(post, "created_at");
                result = new SourceFile(label, new SourcePost(label,
                    Str(post, "slug"),
                    Str(post, "title"),
                    body.Replace("__GHOST_URL__", "", StringComparison.Ordinal),
                    Str(post, "id") is { } id && postTags.TryGetValue(id, out var names) ? names : [],
                    Str(post, "custom_excerpt"),
                    !published,
                    date,
                    Date(post, "updated_at") ?? date,
                    Str(post, "feature_image")?.Replace("__GHOST_URL__", "", StringComparison.Ordinal),
                    "",
                    [""],
                    Origin: Str(post, "uuid") is { } uuid ? $"ghost:{uuid}" : null,
                    Kind: kind.Value,
                    // Ghost's default address for a post or a page: the slug at the top of the site.
                    OldUrls: [Str(post, "slug") is { } old ? $"/{old}/" : null]));
            }
            catch (FormatException ex)
            {
                result = new SourceFile(label, Error: ex.Message);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OverflowException)
            {
                // A value out of any range the post can have (a timestamp past year 9999, say): this post's failure.
                result = new SourceFile(label, Error: $"The post could not be read: {ex.Message}");
            }
            yield return result;
        }
    }

    /// <summary>Older Ghost kept the author's Markdown in a Mobiledoc markdown card; when that is all there is, it is the post.</summary>
    private static string? MarkdownCard(string? mobiledoc)
    {
        if (mobiledoc is null)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(mobiledoc);
            if (document.RootElement.TryGetProperty("cards", out var cards) && cards.ValueKind == JsonValueKind.Array && cards.GetArrayLength() == 1
                && cards[0] is { ValueKind: JsonValueKind.Array } card && card.GetArrayLength() == 2 && card[0].GetString() is "markdown" or "card-markdown"
                && card[1].TryGetProperty("markdown", out var markdown) && markdown.ValueKind == JsonValueKind.String)
            {
                return markdown.GetString();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not a Mobiledoc document with a single Markdown card: the post's HTML is read instead.
        }
        return null;
    }

    private IEnumerable<JsonElement> Array(string name) =>
        _data.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : [];

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    /// <summary>Ghost writes "2025-06-30 15:31:36" (UTC) or ISO 8601, or milliseconds since 1970 in old exports.</summary>
    private static DateTimeOffset? Date(JsonElement post, string name) =>
        post.ValueKind == JsonValueKind.Object && post.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var ms) && ms is >= -62_135_596_800_000 and <= 253_402_300_799_999 =>
                DateTimeOffset.FromUnixTimeMilliseconds(ms),
            JsonValueKind.Number => throw new FormatException($"'{name}' is not a date: {value.GetRawText()}"),
            JsonValueKind.String => FrontMatter.ParseDate(value.GetString()!)
                ?? throw new FormatException($"'{name}' is not a date: {value.GetString()}"),
            _ => null,
        } : null;

    public void Dispose() => _document.Dispose();
}
