using System.Text;
using System.Text.RegularExpressions;
using MyBlog.Core.Posts;

namespace MyBlog.Workers.Imports;

/// <summary>
/// What the old engine's templates did to a post's text, done once on import so the page shows what the old blog
/// showed: Hugo's shortcodes and Jekyll's Liquid tags that have a plain Markdown equivalent become it (code blocks,
/// links to other posts, video and gist links, figures); the rest stay as text and are named in the file's result,
/// so the author knows where to look. Fenced code is left alone — a post about shortcodes shows them as written.
/// Characters a feed's XML cannot carry (control characters other than tab and line breaks) are taken out.
/// </summary>
public static partial class ImportedMarkup
{
    /// <summary>The body as MyBlog's Markdown, and what the author should know about it.</summary>
    public static (string Body, IReadOnlyList<string> Notes) Convert(string body)
    {
        var notes = new List<string>();
        var (clean, removed) = WithoutControlCharacters(body);
        if (removed > 0)
        {
            notes.Add($"Removed {removed} control character(s) that a page or a feed cannot carry.");
        }
        var (converted, leftovers) = OutsideFencedCode(clean, Transform);
        var left = leftovers.GroupBy(name => name, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.Key : $"{g.Key} ×{g.Count()}")
            .ToList();
        if (left.Count > 0)
        {
            notes.Add($"Left as text (no MyBlog equivalent; edit the post where they appear): {string.Join(", ", left.Take(10))}{(left.Count > 10 ? ", …" : "")}.");
        }
        // What the author wrote to be shown as written — Hugo's {{</* x */>}}, Jekyll's {% raw %} — is shown so,
        // in code blocks too (both engines process their tags inside them).
        converted = LiquidRaw().Replace(converted, "")
            .Replace("{{</*", "{{<", StringComparison.Ordinal).Replace("*/>}}", ">}}", StringComparison.Ordinal)
            .Replace("{{%/*", "{{%", StringComparison.Ordinal).Replace("*/%}}", "%}}", StringComparison.Ordinal);
        return (converted, notes);
    }

    /// <summary>Text with the characters XML 1.0 cannot carry taken out (a lone surrogate, U+0000–U+0008, U+000B, …), and how many.</summary>
    public static (string Text, int Removed) WithoutControlCharacters(string text)
    {
        StringBuilder? kept = null;
        var removed = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            var allowed = pair || c is '\t' or '\n' or '\r' || (c >= 0x20 && c != 0xFFFE && c != 0xFFFF && !char.IsSurrogate(c));
            if (!allowed)
            {
                kept ??= new StringBuilder(text, 0, i, text.Length);
                removed++;
                continue;
            }
            kept?.Append(c);
            if (pair)
            {
                kept?.Append(text[i + 1]);
                i++;
            }
        }
        return (kept?.ToString() ?? text, removed);
    }

    private static string Transform(string text)
    {
        text = ExpandFigures(text);
        text = Blocks(text, HugoHighlight(), HugoHighlightEnd());
        text = Blocks(text, LiquidHighlight(), LiquidHighlightEnd());
        text = HugoVideo().Replace(text, m =>
        {
            var id = Attribute(m.Groups["args"].Value, "id") ?? m.Groups["args"].Value.Trim().Split(' ')[0].Trim('"');
            return m.Groups["name"].Value == "youtube"
                ? $"[Video on YouTube](https://www.youtube.com/watch?v={Uri.EscapeDataString(id)})"
                : $"[Video on Vimeo](https://vimeo.com/{Uri.EscapeDataString(id)})";
        });
        text = HugoMedia().Replace(text, m =>
        {
            var args = m.Groups["args"].Value;
            var src = Attribute(args, "src");
            var caption = Attribute(args, "caption") ?? Attribute(args, "title");
            var noun = m.Groups["name"].Value == "audio" ? "Audio" : "Video";
            return src is null ? m.Value : $"[{noun}{(caption is null ? "" : $": {caption.Replace("]", "", StringComparison.Ordinal)}")}]({src})";
        });
        text = HugoInstagram().Replace(text, m => $"[Post on Instagram](https://www.instagram.com/p/{Uri.EscapeDataString(m.Groups["id"].Value)}/)");
        text = HugoGist().Replace(text, m => $"[Gist {m.Groups["id"].Value}](https://gist.github.com/{m.Groups["user"].Value}/{m.Groups["id"].Value})");
        text = HugoPost().Replace(text, m => $"[{Attribute(m.Groups["args"].Value, "user") ?? ""} on X](https://x.com/{Attribute(m.Groups["args"].Value, "user")}/status/{Attribute(m.Groups["args"].Value, "id")})");
        text = HugoRef().Replace(text, m => PostSummary.PathFor(Slug.From(SlugOfFile(m.Groups["target"].Value))));
        text = LiquidPostUrl().Replace(text, m => PostSummary.PathFor(Slug.From(JekyllSlug(m.Groups["name"].Value))));
        text = LiquidLink().Replace(text, m => PostSummary.PathFor(Slug.From(JekyllSlug(SlugOfFile(m.Groups["target"].Value)))));
        return text;
    }

    /// <summary>
    /// Each block from an <paramref name="open"/> tag to its <paramref name="close"/> tag as a fenced code block in
    /// the opening's language. One pass: once an opening has no close, no later one has either.
    /// </summary>
    private static string Blocks(string text, Regex open, Regex close)
    {
        var result = new StringBuilder(text.Length);
        var at = 0;
        while (open.Match(text, at) is { Success: true } opening && close.Match(text, opening.Index + opening.Length) is { Success: true } closing)
        {
            var code = text[(opening.Index + opening.Length)..closing.Index].Trim('\r', '\n');
            result.Append(text, at, opening.Index - at).Append("```").Append(opening.Groups["lang"].Value).Append('\n').Append(code).Append("\n```");
            at = closing.Index + closing.Length;
        }
        return result.Append(text, at, text.Length - at).ToString();
    }

    /// <summary>Hugo's <c>figure</c> shortcode as the Markdown image it shows.</summary>
    public static string ExpandFigures(string body) => FigureShortcode().Replace(body, m =>
        Attribute(m.Value, "src") is { } src
            ? $"![{(Attribute(m.Value, "alt") ?? Attribute(m.Value, "caption") ?? "").Replace("]", "", StringComparison.Ordinal)}]({src})"
            : m.Value);

    private static string? Attribute(string args, string name) =>
        ShortcodeAttribute().Matches(args).FirstOrDefault(a => a.Groups[1].Value.Equals(name, StringComparison.OrdinalIgnoreCase))?.Groups[2].Value;

    /// <summary>"posts/my-trip/index.md" → "my-trip"; "about.md" → "about".</summary>
    private static string SlugOfFile(string target)
    {
        var path = target.Trim().Trim('"', '\'').Split('#')[0].TrimEnd('/');
        var parts = path.Split('/');
        var name = Path.GetFileNameWithoutExtension(parts[^1]);
        return name is "index" or "_index" && parts.Length > 1 ? parts[^2] : name;
    }

    /// <summary>"2010-07-21-name" → "name", as the importer names a Jekyll post.</summary>
    private static string JekyllSlug(string name) => JekyllDated().Match(name) is { Success: true } m ? m.Groups[1].Value : name;

    /// <summary>
    /// <paramref name="transform"/> applied to the text outside fenced code blocks (``` or ~~~), and the shortcodes
    /// and Liquid tags that remain there.
    /// </summary>
    private static (string Text, List<string> Leftovers) OutsideFencedCode(string text, Func<string, string> transform)
    {
        var result = new StringBuilder(text.Length);
        var leftovers = new List<string>();
        var outside = new StringBuilder();
        string? fence = null;
        void Flush()
        {
            // Between {% raw %} and {% endraw %} the author wrote tags to be shown as they are: nothing is converted.
            var text = outside.ToString();
            var at = 0;
            while (at < text.Length)
            {
                var raw = RawStart().Match(text, at);
                var end = raw.Success ? RawEnd().Match(text, raw.Index + raw.Length) : null;
                var until = raw.Success && end!.Success ? raw.Index : text.Length;
                var part = transform(text[at..until]);
                leftovers.AddRange(Leftover().Matches(part)
                    .Select(m => (Liquid: m.Value.StartsWith("{%", StringComparison.Ordinal), Name: m.Groups["name"].Value))
                    .Where(t => !(t.Liquid && (t.Name.StartsWith("end", StringComparison.Ordinal) || t.Name is "raw")))
                    .Select(t => t.Liquid ? $"{{% {t.Name} %}}" : $"{{{{< {t.Name} >}}}}"));
                result.Append(part);
                if (until == text.Length)
                {
                    break;
                }
                result.Append(text, raw.Index, end!.Index + end.Length - raw.Index);
                at = end.Index + end.Length;
            }
            outside.Clear();
        }
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var end = i < lines.Length - 1 ? "\n" : "";
            var trimmed = line.TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal)))
            {
                Flush();
                fence = trimmed[..3];
                result.Append(line).Append(end);
                continue;
            }
            if (fence is not null)
            {
                result.Append(line).Append(end);
                if (trimmed.TrimEnd('\r', ' ', '\t').Trim(fence[0]).Length == 0)
                {
                    fence = null;
                }
                continue;
            }
            outside.Append(line).Append(end);
        }
        Flush();
        return (result.ToString(), leftovers);
    }

    // Every scan runs over a stranger's text: the non-backtracking engine keeps each linear.
    [GeneratedRegex(@"\{\{[<%]\s*highlight\s+(?<lang>[\w+#.-]*)[^>%}\n]*[>%]\}\}", RegexOptions.NonBacktracking)]
    private static partial Regex HugoHighlight();

    [GeneratedRegex(@"\{\{[<%]\s*/highlight\s*[>%]\}\}", RegexOptions.NonBacktracking)]
    private static partial Regex HugoHighlightEnd();

    [GeneratedRegex(@"\{%-?\s*highlight\s+(?<lang>[\w+#.-]*)[^%\n]*%\}", RegexOptions.NonBacktracking)]
    private static partial Regex LiquidHighlight();

    [GeneratedRegex(@"\{%-?\s*endhighlight\s*-?%\}", RegexOptions.NonBacktracking)]
    private static partial Regex LiquidHighlightEnd();

    [GeneratedRegex(@"\{%-?\s*(?:raw|endraw)\s*-?%\}", RegexOptions.NonBacktracking)]
    private static partial Regex LiquidRaw();

    [GeneratedRegex(@"\{\{<\s*(?<name>youtube|vimeo)\s+(?<args>[^>]*)>\}\}", RegexOptions.NonBacktracking)]
    private static partial Regex HugoVideo();

    [GeneratedRegex(@"\{\{<\s*(?<name>audio|video)\s+(?<args>[^>]*)>\}\}", RegexOptions.NonBacktracking)]
    private static partial Regex HugoMedia();

    [GeneratedRegex(@"\{\{<\s*instagram\s+(?<id>[\w-]+)[^>]*>\}\}", RegexOptions.NonBacktracking)]
    private static partial Regex HugoInstagram();

    [GeneratedRegex(@"\{%-?\s*raw\s*-?%\}", RegexOptions.NonBacktracking)]
    private static partial Regex RawStart();

    [GeneratedRegex(@"\{%-?\s*endraw\s*-?%\}", RegexOptions.NonBacktracking)]
    private static partial Regex RawEnd();

    [GeneratedRegex(@"\{\{<\s*gist\s+(?<user>[\w-]+)\s+(?<id>[\w]+)[^>]*>\}\}", RegexOptions.NonBacktracking)]
    private static partial Regex HugoGist();

    [GeneratedRegex(@"\{\{<\s*(?:x|tweet|twitter)\s+(?<args>[^>]*\bid\s*=[^>]*)>\}\}", RegexOptions.NonBacktracking)]
    private static partial Regex HugoPost();

    [GeneratedRegex(@"\{\{[<%]\s*(?:rel)?ref\s+(?<target>""[^""]*""|'[^']*'|[^\s>%]+)\s*[>%]\}\}", RegexOptions.NonBacktracking)]
    private static partial Regex HugoRef();

    [GeneratedRegex(@"\{%-?\s*post_url\s+(?<name>[^\s%]+)\s*-?%\}", RegexOptions.NonBacktracking)]
    private static partial Regex LiquidPostUrl();

    [GeneratedRegex(@"\{%-?\s*link\s+(?<target>_posts/[^\s%]+)\s*-?%\}", RegexOptions.NonBacktracking)]
    private static partial Regex LiquidLink();

    [GeneratedRegex(@"^(?:\d{4}-\d{2}-\d{2}-)(.+)$")]
    private static partial Regex JekyllDated();

    [GeneratedRegex(@"\{\{<\s*figure\b[^>]*>\}\}", RegexOptions.NonBacktracking)]
    private static partial Regex FigureShortcode();

    [GeneratedRegex(@"(\w+)\s*=\s*""([^""]*)""", RegexOptions.NonBacktracking)]
    private static partial Regex ShortcodeAttribute();

    [GeneratedRegex(@"\{\{[<%]\s*(?<name>[\w.-]+)|\{%-?\s*(?<name>[\w.-]+)", RegexOptions.NonBacktracking)]
    private static partial Regex Leftover();
}
