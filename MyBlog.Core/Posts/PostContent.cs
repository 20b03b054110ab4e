using System.Text.RegularExpressions;
using Ganss.Xss;
using Markdig;
using Markdig.Extensions.GenericAttributes;
using Markdig.Extensions.MediaLinks;
using Markdig.Renderers;
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
    public static string ToHtml(string markdown, IReadOnlyDictionary<string, PhotoImage>? photos = null, bool lazyFromFirst = false)
    {
        var document = Markdown.Parse(markdown, Pipeline);
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
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        var html = writer.ToString();
        return hasRawHtml ? Sanitizer.Sanitize(html) : html;
    }

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
    public static string ToPlainText(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var html in document.Descendants().Where(n => n is HtmlBlock or HtmlInline).ToList())
        {
            switch (html)
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
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString().Trim();
    }

    /// <summary>Minutes to read at an adult's silent-reading pace; at least one.</summary>
    public static int ReadingMinutes(string markdown) => Describe(markdown, "x").ReadingMinutes;

    /// <summary>The author's excerpt, or the opening of the text cut at a word boundary.</summary>
    public static string Excerpt(string markdown, string? excerpt) => Describe(markdown, excerpt).Excerpt;

    /// <summary>Excerpt and reading time from one pass over the text (listing 2,000 posts calls this 2,000 times).</summary>
    public static (string Excerpt, int ReadingMinutes) Describe(string markdown, string? excerpt, int length = 200)
    {
        var text = ToPlainText(markdown);
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
        sanitizer.AllowedAttributes.Add("id");    // heading anchors and footnotes
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
}
