using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MyBlog.Workers.Imports;

/// <summary>What Hugo knows of a page when it makes the page's address.</summary>
/// <param name="Section">The first folder under content/ (null for a page at the top).</param>
/// <param name="Folders">Every folder under content/ down to the page, with a trailing slash ("posts/2020/").</param>
/// <param name="Slug">The front matter's slug.</param>
/// <param name="FileName">The file's name without its extension and language (a bundle's folder name).</param>
public sealed record HugoPage(string? Section, string Folders, string? Slug, string FileName, string? Title, DateTimeOffset? Date);

/// <summary>
/// Where Hugo published a page: the site's <c>permalinks</c> pattern for its section (<c>posts = "/:year/:month/:slug/"</c>,
/// in YAML, TOML or JSON, at the top of the setting or under its <c>page</c> key; <c>"/"</c> for pages at the top),
/// else its folders and its slug or file name — urlized and lower-cased, as Hugo makes paths unless
/// <c>disablePathToLower</c> is set. A pattern with a placeholder Hugo has and this does not read (a Go date layout, a slice of <c>:sections</c>)
/// gives no address rather than a wrong one.
/// </summary>
public sealed partial class HugoUrls
{
    private readonly Dictionary<string, string> _patterns;
    private readonly bool _keepCase;

    private HugoUrls(Dictionary<string, string> patterns, bool keepCase)
    {
        _patterns = patterns;
        _keepCase = keepCase;
    }

    /// <summary>The settings from the site's config files (the first file that sets a section wins).</summary>
    public static HugoUrls Read(IEnumerable<string> configs)
    {
        var patterns = new Dictionary<string, string>(StringComparer.Ordinal);
        var keepCase = false;
        foreach (var config in configs)
        {
            foreach (var (section, pattern) in Permalinks(config))
            {
                patterns.TryAdd(section, pattern);
            }
            keepCase |= DisablePathToLower().IsMatch(config);
        }
        return new HugoUrls(patterns, keepCase);
    }

    /// <summary>The page's address on the old site, or null when its pattern cannot be read.</summary>
    public string? PathOf(HugoPage page)
    {
        var path = _patterns.TryGetValue(page.Section ?? "/", out var pattern)
            ? Expand(pattern, page)
            : $"/{page.Folders}{Urlize(page.Slug ?? page.FileName)}/";
        return path is null || _keepCase ? path : path.ToLowerInvariant();
    }

    private string? Expand(string pattern, HugoPage page)
    {
        var unknown = false;
        var path = Placeholder().Replace(pattern, m =>
        {
            var date = page.Date ?? DateTimeOffset.UnixEpoch;
            string? value = m.Groups["name"].Value switch
            {
                "year" => date.Year.ToString("D4", CultureInfo.InvariantCulture),
                "month" => date.Month.ToString("D2", CultureInfo.InvariantCulture),
                "monthname" => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(date.Month),
                "day" => date.Day.ToString("D2", CultureInfo.InvariantCulture),
                "weekday" => ((int)date.DayOfWeek).ToString(CultureInfo.InvariantCulture),
                "weekdayname" => date.DayOfWeek.ToString(),
                "yearday" => date.DayOfYear.ToString(CultureInfo.InvariantCulture),
                "section" => page.Section ?? "",
                "sections" => page.Folders.TrimEnd('/'),
                "title" => Urlize(page.Title ?? page.FileName),
                "slug" => page.Slug is { } slug ? Urlize(slug) : Urlize(page.Title ?? page.FileName),
                "filename" or "contentbasename" => Urlize(page.FileName),
                "slugorfilename" or "slugorcontentbasename" => Urlize(page.Slug ?? page.FileName),
                _ => null,
            };
            // A date placeholder needs the page's date; a slice (":sections[1:]") is not read here.
            var needsDate = m.Groups["name"].Value is "year" or "month" or "monthname" or "day" or "weekday" or "weekdayname" or "yearday";
            if (value is null || (needsDate && page.Date is null) || m.Groups["slice"].Success)
            {
                unknown = true;
                return "";
            }
            return value;
        });
        if (unknown || path.Contains(':', StringComparison.Ordinal))
        {
            return null; // a placeholder not read here (a Go date layout such as :2006-01-02, say)
        }
        while (path.Contains("//", StringComparison.Ordinal))
        {
            path = path.Replace("//", "/", StringComparison.Ordinal);
        }
        return path.StartsWith('/') ? path : "/" + path;
    }

    /// <summary>
    /// Hugo's urlize: spaces become hyphens; letters, digits and <c>. _ - + ~</c> stay; everything else goes
    /// ("Vim (text editor)" → "Vim-text-editor"; the path is lower-cased after).
    /// </summary>
    public static string Urlize(string text)
    {
        var url = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }
            if (char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or '+' or '~' || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark)
            {
                if (space && url.Length > 0)
                {
                    url.Append('-');
                }
                space = false;
                url.Append(c);
            }
        }
        return url.ToString();
    }

    /// <summary>
    /// The <c>permalinks</c> setting of one config file: section → pattern, from the setting itself or its
    /// <c>page</c> key (never its <c>section</c>, <c>term</c> or <c>taxonomy</c> keys: those are list pages).
    /// </summary>
    public static IEnumerable<(string Section, string Pattern)> Permalinks(string config)
    {
        var trimmed = config.TrimStart();
        if (trimmed.StartsWith('{'))
        {
            return JsonPermalinks(config);
        }
        return TomlTable().IsMatch(config) ? TomlPermalinks(config) : YamlPermalinks(config);
    }

    private static IEnumerable<(string, string)> TomlPermalinks(string config)
    {
        string? table = null;
        foreach (var line in config.Split('\n'))
        {
            var text = line.Trim();
            if (text.StartsWith('['))
            {
                table = text.Trim('[', ']', ' ').ToLowerInvariant();
                continue;
            }
            if (table is "permalinks" or "permalinks.page" && Pair().Match(text) is { Success: true } pair)
            {
                yield return (pair.Groups["key"].Value, pair.Groups["value"].Value.Trim());
            }
        }
    }

    private static IEnumerable<(string, string)> YamlPermalinks(string config)
    {
        var inside = false;
        int? childIndent = null;
        string? nested = null;
        foreach (var line in config.Split('\n'))
        {
            var text = line.TrimEnd('\r');
            if (text.Trim().Length == 0 || text.TrimStart().StartsWith('#'))
            {
                continue;
            }
            var indent = text.Length - text.TrimStart().Length;
            if (indent == 0)
            {
                inside = text.TrimEnd().Equals("permalinks:", StringComparison.OrdinalIgnoreCase);
                childIndent = null;
                nested = null;
                continue;
            }
            if (!inside || Pair().Match(text.Trim()) is not { Success: true } pair)
            {
                continue;
            }
            childIndent ??= indent;
            var key = pair.Groups["key"].Value;
            var value = pair.Groups["value"].Value.Trim();
            if (indent == childIndent)
            {
                nested = value.Length == 0 ? key.ToLowerInvariant() : null;
                if (value.Length > 0)
                {
                    yield return (key, value);
                }
            }
            else if (nested == "page" && value.Length > 0)
            {
                yield return (key, value);
            }
        }
    }

    private static IEnumerable<(string, string)> JsonPermalinks(string config)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(config);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return [];
        }
        var found = new List<(string, string)>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return found;
        }
        foreach (var setting in root.EnumerateObject().Where(p => p.Name.Equals("permalinks", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.Object))
        {
            foreach (var entry in setting.Value.EnumerateObject())
            {
                if (entry.Value.ValueKind == JsonValueKind.String)
                {
                    found.Add((entry.Name, entry.Value.GetString()!));
                }
                else if (entry.Name.Equals("page", StringComparison.OrdinalIgnoreCase) && entry.Value.ValueKind == JsonValueKind.Object)
                {
                    found.AddRange(entry.Value.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).Select(p => (p.Name, p.Value.GetString()!)));
                }
            }
        }
        return found;
    }

    [GeneratedRegex(@":(?<name>[a-z]+)(?<slice>\[[^\]]*\])?")]
    private static partial Regex Placeholder();

    /// <summary>A key and its value, YAML's or TOML's, the key bare or quoted, the value quoted, bare, or nothing (a nested block).</summary>
    [GeneratedRegex(@"^[""']?(?<key>[^""'=:\s]+)[""']?[ \t]*[:=][ \t]*[""']?(?<value>[^""'#\r\n]*)[""']?", RegexOptions.NonBacktracking)]
    private static partial Regex Pair();

    [GeneratedRegex(@"^[ \t]*\[permalinks(?:\.page)?\][ \t]*$", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex TomlTable();

    [GeneratedRegex(@"^[ \t]*""?disablePathToLower""?[ \t]*[:=][ \t]*true\b", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex DisablePathToLower();
}
