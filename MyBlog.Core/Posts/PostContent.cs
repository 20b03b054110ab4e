using System.Net;
using System.Text.RegularExpressions;
using Ganss.Xss;
using Markdig;

namespace MyBlog.Core.Posts;

/// <summary>
/// Markdown → safe HTML: CommonMark with GitHub's extensions (tables, task lists, autolinks, strikethrough,
/// footnotes) through Markdig, then HtmlSanitizer, so nothing an author pastes can run script on the site.
/// </summary>
public static partial class PostContent
{
    private const int WordsPerMinute = 230;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseAdvancedExtensions()
        .Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    public static string ToHtml(string markdown) => Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));

    public static string ToPlainText(string markdown) =>
        WebUtility.HtmlDecode(Tags().Replace(Markdown.ToHtml(markdown, Pipeline), " ")).Trim();

    /// <summary>Minutes to read at an adult's silent-reading pace; at least one.</summary>
    public static int ReadingMinutes(string markdown)
    {
        var words = Words().Count(ToPlainText(markdown));
        return Math.Max(1, (int)Math.Round(words / (double)WordsPerMinute));
    }

    /// <summary>The author's excerpt, or the opening of the text cut at a word boundary.</summary>
    public static string Excerpt(string markdown, string? excerpt, int length = 200)
    {
        if (!string.IsNullOrWhiteSpace(excerpt))
        {
            return excerpt.Trim();
        }
        var text = Spaces().Replace(ToPlainText(markdown), " ");
        if (text.Length <= length)
        {
            return text;
        }
        var cut = text.LastIndexOf(' ', length);
        return text[..(cut > length / 2 ? cut : length)].TrimEnd(',', '.', ';', ':') + "…";
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

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\w+")]
    private static partial Regex Words();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
