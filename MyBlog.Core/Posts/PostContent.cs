using System.Text.RegularExpressions;
using Ganss.Xss;
using Markdig;
using Markdig.Extensions.GenericAttributes;
using Markdig.Extensions.MediaLinks;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using MyBlog.Core.Photos;

namespace MyBlog.Core.Posts;

/// <summary>
/// Markdown → safe HTML: CommonMark with GitHub's extensions (tables, task lists, autolinks, strikethrough,
/// footnotes) through Markdig. What Markdig writes from Markdown is escaped by construction, and link and image
/// URLs are checked in the syntax tree (only http, https, mailto and relative URLs survive). Raw HTML an author
/// writes goes through HtmlSanitizer — the expensive step, so only posts that contain raw HTML pay for it.
/// </summary>
public static partial class PostContent
{
    private const int WordsPerMinute = 230;

    private static readonly MarkdownPipeline Pipeline = CreatePipeline();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    /// <summary>
    /// The post's HTML. Images of photos found in <paramref name="photos"/> (by their /media/{id}/ URL) become
    /// responsive <c>&lt;picture&gt;</c> elements; the first is loaded eagerly unless <paramref name="lazyFromFirst"/>
    /// (a cover photo already sits above the fold).
    /// </summary>
    public static string ToHtml(string markdown, IReadOnlyDictionary<string, PhotoImage>? photos = null, bool lazyFromFirst = false) =>
        Parse(markdown) is { } document ? ToHtml(document, markdown, photos, lazyFromFirst) : Unparsed(markdown);

    /// <summary>
    /// The post's HTML and what lists show of it (<see cref="Describe"/>) from one parse of the text: a full build
    /// parses each post once, not once for its page and again for its summary.
    /// </summary>
    public static (string Html, string Excerpt, int ReadingMinutes) Render(string markdown, string? excerpt,
        IReadOnlyDictionary<string, PhotoImage>? photos = null, bool lazyFromFirst = false)
    {
        var document = Parse(markdown);
        // The plain text first: the HTML's rendering replaces photos' images in the document.
        var (text, minutes) = DescribeText(PlainText(document, markdown), excerpt);
        return (document is null ? Unparsed(markdown) : ToHtml(document, markdown, photos, lazyFromFirst), text, minutes);
    }

    private static string ToHtml(MarkdownDocument document, string markdown, IReadOnlyDictionary<string, PhotoImage>? photos, bool lazyFromFirst)
    {
        var hasRawHtml = false;
        var pictures = new List<(LinkInline Image, PhotoImage Photo)>();
        foreach (var node in document.Descendants())
        {
            switch (node)
            {
                case HtmlBlock or HtmlInline:
                    hasRawHtml = true;
                    break;
                case LinkInline { IsImage: true } image when photos is not null
                    && PhotoMarkup.IdFromUrl(image.Url) is { } id && photos.TryGetValue(id, out var photo):
                    pictures.Add((image, photo));
                    break;
                case LinkInline link when !IsSafeUrl(link.Url):
                    link.Url = "#";
                    break;
                case AutolinkInline autolink when !autolink.IsEmail && !IsSafeUrl(autolink.Url):
                    autolink.Url = "#";
                    break;
            }
        }

        for (var i = 0; i < pictures.Count; i++)
        {
            var (image, photo) = pictures[i];
            var alt = string.Concat(image.Descendants<LiteralInline>().Select(l => l.Content.ToString()));
            image.ReplaceBy(new HtmlInline(PhotoMarkup.Picture(photo, alt, lazy: lazyFromFirst || i > 0)), copyChildren: false);
        }

        using var writer = new StringWriter();
        try
        {
            Render(document, new HtmlRenderer(writer));
        }
        catch (ArgumentException)
        {
            return Unparsed(markdown); // nested deeper than the renderer goes
        }
        var html = writer.ToString();
        return hasRawHtml ? Sanitizer.Sanitize(html) : OwnNamespace(html);
    }

    /// <summary>
    /// The prefix of every id (and in-page link) in a post's HTML. A post's elements share the page with the site's
    /// and the editor's own (the subscribe form, the editor's controls beside the preview): an id or name a post could
    /// choose would shadow theirs (DOM clobbering — a draft imported from a stranger could reach the editor's "send
    /// email" box). As on GitHub, a post's ids all start with this and its names are dropped.
    /// </summary>
    public const string IdPrefix = "user-content-";

    /// <summary>
    /// Why Markdig cannot be trusted with this text, or null: a paragraph whose unclosed links would be scanned to its
    /// end once per link (quadratic: a few hundred kilobytes of "[](" takes minutes, as in every CommonMark parser),
    /// or nesting deeper than the parser goes (it refuses such text outright). Posts are checked when written; text
    /// stored before the check is shown as plain text rather than parsed.
    /// </summary>
    public static string? Pathology(string markdown)
    {
        if (LinkScanCost(markdown) > MaxLinkScanCost)
        {
            return "has a paragraph with so many unclosed links that it cannot be rendered in reasonable time; split it into paragraphs or close the links";
        }
        try
        {
            // Parsed and rendered: each has its own depth limit.
            Render(Markdown.Parse(markdown, Pipeline), new HtmlRenderer(TextWriter.Null));
            return null;
        }
        catch (ArgumentException)
        {
            return "nests quotes, lists, links or emphasis deeper than can be rendered";
        }
    }

    /// <summary>About a tenth of a second of link scanning (measured at about 2 ns per character scanned).</summary>
    private const long MaxLinkScanCost = 50_000_000;

    /// <summary>
    /// The worst case of the parser's link scanning, estimated in one pass: for each paragraph outside fenced code,
    /// the number of link openings ("](") times its length. A real post stays far below the limit (200 links in a
    /// 20,000-character paragraph is 4 million).
    /// </summary>
    private static long LinkScanCost(string markdown)
    {
        long worst = 0, openings = 0, length = 0;
        string? fence = null;
        foreach (var range in markdown.AsSpan().EnumerateLines())
        {
            var line = range.TrimStart();
            if (fence is null && (line.StartsWith("```") || line.StartsWith("~~~")))
            {
                fence = line[..3].ToString();
                continue;
            }
            if (fence is not null)
            {
                if (line.StartsWith(fence))
                {
                    fence = null;
                }
                continue;
            }
            if (line.IsWhiteSpace())
            {
                worst = Math.Max(worst, openings * length);
                (openings, length) = (0, 0);
                continue;
            }
            openings += line.Count("](");
            length += range.Length + 1;
        }
        return Math.Max(worst, openings * length);
    }

    /// <summary>The document, or null when the text is one Markdig cannot be trusted with (<see cref="Pathology"/>).</summary>
    private static MarkdownDocument? Parse(string markdown)
    {
        if (LinkScanCost(markdown) > MaxLinkScanCost)
        {
            return null;
        }
        try
        {
            return Markdown.Parse(markdown, Pipeline);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static void Render(MarkdownDocument document, HtmlRenderer renderer)
    {
        Pipeline.Setup(renderer);
        if (renderer.ObjectRenderers.FindExact<CodeBlockRenderer>() is { } plain)
        {
            renderer.ObjectRenderers.Replace<CodeBlockRenderer>(new HighlightedCodeBlockRenderer(plain));
        }
        renderer.Render(document);
        renderer.Writer.Flush();
    }

    /// <summary>Text that cannot be parsed, shown as it was written: escaped, in paragraphs.</summary>
    private static string Unparsed(string markdown) => string.Concat(
        BlankLines().Split(markdown).Where(p => p.Trim().Length > 0)
            .Select(p => $"<p>{System.Net.WebUtility.HtmlEncode(p.Trim())}</p>\n"));

    /// <summary>Markdig's own HTML with every id prefixed and in-page links following (its ids are quoted attributes it wrote).</summary>
    private static string OwnNamespace(string html) =>
        html.Contains(" id=\"", StringComparison.Ordinal) || html.Contains(" href=\"#", StringComparison.Ordinal)
            ? html.Replace(" id=\"", " id=\"" + IdPrefix, StringComparison.Ordinal)
                .Replace(" href=\"#", " href=\"#" + IdPrefix, StringComparison.Ordinal)
            : html;

    /// <summary>
    /// Relative URLs and http, https and mailto. Browsers ignore tabs, line breaks and spaces inside a scheme
    /// ("java&#9;script:"), so the check does too.
    /// </summary>
    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return true;
        }
        var compact = new string(url.Where(c => c > ' ').ToArray());
        var scheme = Scheme().Match(compact);
        return !scheme.Success || scheme.Groups[1].Value.ToLowerInvariant() is "http" or "https" or "mailto";
    }

    /// <summary>The text a reader sees, for excerpts and reading time: raw HTML an author wrote is left out, not shown as source.</summary>
    public static string ToPlainText(string markdown) => PlainText(Parse(markdown), markdown);

    /// <summary>
    /// The document's text: every element's words, raw HTML left out (rendered as nothing, the document unchanged).
    /// Text that cannot be parsed (no document) or rendered (nested deeper than the renderer goes) reads as written.
    /// </summary>
    private static string PlainText(MarkdownDocument? document, string markdown)
    {
        if (document is not null)
        {
            using var writer = new StringWriter();
            try
            {
                var renderer = new HtmlRenderer(writer) { EnableHtmlForBlock = false, EnableHtmlForInline = false, EnableHtmlEscape = false };
                renderer.ObjectRenderers.Replace<HtmlBlockRenderer>(new Nothing<HtmlBlock>());
                renderer.ObjectRenderers.Replace<Markdig.Renderers.Html.Inlines.HtmlInlineRenderer>(new Nothing<HtmlInline>());
                Render(document, renderer);
                return writer.ToString().Trim();
            }
            catch (ArgumentException)
            {
                // Nested deeper than the renderer goes: read as written, below.
            }
        }
        return markdown.Trim();
    }

    /// <summary>Renders nothing for its kind of element.</summary>
    private sealed class Nothing<T> : HtmlObjectRenderer<T> where T : MarkdownObject
    {
        protected override void Write(HtmlRenderer renderer, T obj)
        {
        }
    }

    /// <summary>Minutes to read at an adult's silent-reading pace; at least one.</summary>
    public static int ReadingMinutes(string markdown) => Describe(markdown, "x").ReadingMinutes;

    /// <summary>The author's excerpt, or the opening of the text cut at a word boundary.</summary>
    public static string Excerpt(string markdown, string? excerpt) => Describe(markdown, excerpt).Excerpt;

    /// <summary>Excerpt and reading time from one pass over the text (listing 2,000 posts calls this 2,000 times).</summary>
    public static (string Excerpt, int ReadingMinutes) Describe(string markdown, string? excerpt, int length = 200) =>
        DescribeText(ToPlainText(markdown), excerpt, length);

    private static (string Excerpt, int ReadingMinutes) DescribeText(string text, string? excerpt, int length = 200)
    {
        var minutes = Math.Max(1, (int)Math.Round(CountWords(text) / (double)WordsPerMinute));
        if (!string.IsNullOrWhiteSpace(excerpt))
        {
            return (excerpt.Trim(), minutes);
        }
        // Only the opening matters: collapse white space in the first few hundred characters, not the whole text.
        text = Spaces().Replace(text.Length > length * 2 ? text[..(length * 2)] : text, " ").Trim();
        if (text.Length <= length)
        {
            return (text, minutes);
        }
        var cut = text.LastIndexOf(' ', length);
        return (text[..(cut > length / 2 ? cut : length)].TrimEnd(',', '.', ';', ':') + "…", minutes);
    }

    /// <summary>
    /// CommonMark with the advanced extensions, less the two that write HTML from what an author types without
    /// escaping it: generic attributes (<c>{onerror=…}</c> after an image or link becomes an attribute) and media
    /// links (an image of a video URL becomes an iframe).
    /// </summary>
    private static MarkdownPipeline CreatePipeline()
    {
        var builder = new MarkdownPipelineBuilder().UseAdvancedExtensions();
        builder.Extensions.RemoveAll(e => e is GenericAttributesExtension or MediaLinkExtension);
        return builder.Build();
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedAttributes.Add("class"); // language-* on code blocks, task-list classes
        sanitizer.AllowedAttributes.Add("id");    // heading anchors and footnotes, prefixed below
        // A name is an id by another way (document.forms[name], window[name]): never a post's to choose.
        sanitizer.AllowedAttributes.Remove("name");
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.UnionWith(["http", "https", "mailto"]);
        sanitizer.AllowedTags.Remove("form");
        sanitizer.AllowedTags.Remove("button");
        sanitizer.AllowedTags.Remove("input");
        sanitizer.AllowedTags.Add("input"); // GitHub task lists render disabled checkboxes
        sanitizer.AllowedAttributes.Add("checked");
        sanitizer.AllowedAttributes.Add("disabled");
        sanitizer.AllowedAttributes.Add("type");
        // Photos (PhotoMarkup) survive in posts that also contain raw HTML.
        sanitizer.AllowedTags.UnionWith(["picture", "source"]);
        sanitizer.AllowedAttributes.UnionWith(["srcset", "sizes", "loading", "decoding", "fetchpriority"]);
        // The only input a post may show is a task list's read-only checkbox.
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement element)
            {
                // Every id in the post's own namespace (see IdPrefix), in-page links with it.
                if (element.GetAttribute("id") is { Length: > 0 } id && !id.StartsWith(IdPrefix, StringComparison.Ordinal))
                {
                    element.SetAttribute("id", IdPrefix + id);
                }
                if (element.GetAttribute("href") is { Length: > 1 } href && href[0] == '#' && !href.AsSpan(1).StartsWith(IdPrefix))
                {
                    element.SetAttribute("href", "#" + IdPrefix + href[1..]);
                }
                element.RemoveAttribute("name");
            }
            if (e.Node is AngleSharp.Dom.IElement { TagName: "INPUT" } input)
            {
                if (!string.Equals(input.GetAttribute("type"), "checkbox", StringComparison.OrdinalIgnoreCase))
                {
                    input.Remove();
                }
                else
                {
                    input.SetAttribute("disabled", "");
                }
            }
        };
        return sanitizer;
    }

    private static int CountWords(string text)
    {
        var words = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var letter = char.IsLetterOrDigit(c);
            words += letter && !inWord ? 1 : 0;
            inWord = letter;
        }
        return words;
    }

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9+.-]*):")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"\n[ \t]*\n")]
    private static partial Regex BlankLines();
}
