using System.Globalization;
using System.Text.Json;
using Tomlyn;
using Tomlyn.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MyBlog.Workers.Imports;

/// <summary>
/// A Markdown file's front matter as Hugo and Jekyll read it: YAML between <c>---</c> lines, TOML between
/// <c>+++</c> lines (Hugo), or a JSON object at the very start (Hugo); the rest is the body. Only what a post needs is
/// kept — top-level strings, booleans, dates and lists of strings, keys compared without case as Hugo does — and
/// the parsers are held to hostile input: at most <see cref="MaxBytes"/>, nesting at most <see cref="MaxDepth"/>
/// deep (a deeply nested document would exhaust the stack of a recursive parser), YAML aliases never expanded.
/// </summary>
public sealed partial class FrontMatter
{
    public const int MaxBytes = 64 * 1024;
    public const int MaxDepth = 32;

    private readonly Dictionary<string, object> _values;

    private FrontMatter(Dictionary<string, object> values, string body, string? format)
    {
        _values = values;
        Body = body;
        Format = format;
    }

    public string Body { get; }

    /// <summary>"yaml", "toml", "json", or null when the file has none.</summary>
    public string? Format { get; }

    /// <summary>Splits and reads <paramref name="text"/>; a <see cref="FormatException"/> says what is wrong with it.</summary>
    public static FrontMatter Parse(string text)
    {
        text = text.TrimStart('\uFEFF');
        var (format, fence) = text switch
        {
            _ when StartsWithFence(text, "---") => ("yaml", "---"),
            _ when StartsWithFence(text, "+++") => ("toml", "+++"),
            _ when text.StartsWith('{') => ("json", null),
            _ => (null, null),
        };
        if (format is null)
        {
            return new FrontMatter(new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase), text, null);
        }
        string matter, body;
        if (fence is null)
        {
            var end = JsonObjectEnd(text);
            (matter, body) = (text[..end], text[end..]);
        }
        else
        {
            (matter, body) = SplitFenced(text, fence, format == "yaml" ? "..." : null);
        }
        if (matter.Length > MaxBytes)
        {
            throw new FormatException($"The front matter is {matter.Length / 1024} KB; at most {MaxBytes / 1024} KB is read.");
        }
        var values = format switch
        {
            "yaml" => ReadYaml(matter),
            "toml" => ReadToml(matter),
            _ => ReadJson(matter),
        };
        return new FrontMatter(values, body.TrimStart('\r', '\n'), format);
    }

    public string? String(params string[] keys)
    {
        foreach (var key in keys)
        {
            switch (_values.GetValueOrDefault(key))
            {
                case string s when !string.IsNullOrWhiteSpace(s):
                    return s.Trim();
                case DateTimeOffset d:
                    return d.ToString("O", CultureInfo.InvariantCulture);
                case bool b:
                    return b ? "true" : "false";
            }
        }
        return null;
    }

    public bool? Bool(string key) => _values.GetValueOrDefault(key) switch
    {
        bool b => b,
        string s when bool.TryParse(s.Trim(), out var b) => b,
        string s when s.Trim() is "yes" or "on" => true,
        string s when s.Trim() is "no" or "off" => false,
        _ => null,
    };

    /// <summary>
    /// The first of <paramref name="keys"/> that holds a date: a TOML date, or a string in the forms Hugo and Jekyll
    /// accept (RFC 3339, "2024-01-02 15:04:05 +0900", a bare date); without an offset, UTC.
    /// </summary>
    public DateTimeOffset? Date(params string[] keys)
    {
        foreach (var key in keys)
        {
            switch (_values.GetValueOrDefault(key))
            {
                case DateTimeOffset d:
                    return d;
                case string s when ParseDate(s) is { } d:
                    return d;
                case string s when !string.IsNullOrWhiteSpace(s):
                    throw new FormatException($"'{key}' is not a date: {Shorten(s)}");
            }
        }
        return null;
    }

    /// <summary>A list (or, as Jekyll allows for tags, one string of words separated by spaces or commas).</summary>
    public IReadOnlyList<string> List(params string[] keys) => keys.SelectMany(key => _values.GetValueOrDefault(key) switch
    {
        List<string> list => list,
        string s => s.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        _ => (IEnumerable<string>)[],
    }).ToList();

    public static DateTimeOffset? ParseDate(string text)
    {
        var trimmed = text.Trim();
        string[] withOffset = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ss zzz",
            "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ss.FFFFFFF zzz", "yyyy-MM-dd HH:mm zzz"];
        if (DateTimeOffset.TryParseExact(trimmed, withOffset, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var exact))
        {
            return exact;
        }
        // "+0900" without a colon, as Jekyll writes it.
        if (trimmed.Length > 5 && trimmed[^5] is '+' or '-' && trimmed[^4..].All(char.IsAsciiDigit)
            && DateTimeOffset.TryParse(trimmed[..^2] + ":" + trimmed[^2..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var jekyll))
        {
            return jekyll;
        }
        string[] local = ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"];
        return DateTime.TryParseExact(trimmed, local, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var utc)
            ? new DateTimeOffset(utc, TimeSpan.Zero)
            : Lenient(trimmed);
    }

    /// <summary>
    /// What Jekyll's lenient reading (Ruby's Time.parse) also takes: a date and an optional time with one-digit
    /// parts (<c>2019-04-25 9:00:00</c>, <c>2019-4-5</c>) and an optional offset, followed by anything (a day name,
    /// a zone's name, a comment) — the leading date is the date. Null when it does not start with a real date.
    /// </summary>
    private static DateTimeOffset? Lenient(string text)
    {
        if (LenientDate().Match(text) is not { Success: true } m)
        {
            return null;
        }
        int Part(string name) => m.Groups[name].Success ? int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        try
        {
            var offset = TimeSpan.Zero;
            if (m.Groups["zone"].Success && m.Groups["zone"].Value != "Z")
            {
                var zone = m.Groups["zone"].Value.Replace(":", "", StringComparison.Ordinal);
                offset = new TimeSpan(int.Parse(zone[1..3], CultureInfo.InvariantCulture), int.Parse(zone[3..5], CultureInfo.InvariantCulture), 0);
                offset = zone[0] == '-' ? -offset : offset;
            }
            return new DateTimeOffset(Part("y"), Part("mo"), Part("d"), Part("h"), Part("mi"), Part("s"), offset);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null; // 2019-02-30, 25:00, an offset past 14 hours
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<y>\d{4})-(?<mo>\d{1,2})-(?<d>\d{1,2})(?:[T ]+(?<h>\d{1,2}):(?<mi>\d{2})(?::(?<s>\d{2})(?:\.\d+)?)?)?\s*(?<zone>Z|[+-]\d{2}:?\d{2})?(?:\s|$|[A-Za-z(,])", System.Text.RegularExpressions.RegexOptions.NonBacktracking)]
    private static partial System.Text.RegularExpressions.Regex LenientDate();

    private static bool StartsWithFence(string text, string fence)
    {
        var lineEnd = text.IndexOf('\n');
        return (lineEnd < 0 ? text : text[..lineEnd]).TrimEnd('\r', ' ', '\t') == fence;
    }

    private static (string Matter, string Body) SplitFenced(string text, string fence, string? alternativeEnd)
    {
        var firstLineEnd = text.IndexOf('\n');
        if (firstLineEnd < 0)
        {
            throw new FormatException($"The front matter starting with {fence} is never closed.");
        }
        var position = firstLineEnd + 1;
        while (position < text.Length)
        {
            var lineEnd = text.IndexOf('\n', position);
            var line = (lineEnd < 0 ? text[position..] : text[position..lineEnd]).TrimEnd('\r', ' ', '\t');
            if (line == fence || line == alternativeEnd)
            {
                return (text[(firstLineEnd + 1)..position], lineEnd < 0 ? "" : text[(lineEnd + 1)..]);
            }
            if (position - firstLineEnd > MaxBytes)
            {
                break;
            }
            position = lineEnd < 0 ? text.Length : lineEnd + 1;
        }
        throw new FormatException(position - firstLineEnd > MaxBytes
            ? $"The front matter is longer than {MaxBytes / 1024} KB (or its closing {fence} is missing)."
            : $"The front matter starting with {fence} is never closed.");
    }

    private static int JsonObjectEnd(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text.Length > MaxBytes * 2 ? text[..(MaxBytes * 2)] : text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth, AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.TrySkip())
            {
                return System.Text.Encoding.UTF8.GetCharCount(bytes.AsSpan(0, (int)reader.BytesConsumed));
            }
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The JSON front matter is not valid: {ex.Message}");
        }
        throw new FormatException("The JSON front matter is never closed.");
    }

    /// <summary>YAML through the event parser: no tree is built, so neither depth nor aliases can blow up.</summary>
    private static Dictionary<string, object> ReadYaml(string yaml)
    {
        var values = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        var anchors = new Dictionary<string, string>(StringComparer.Ordinal);
        var parser = new Parser(new StringReader(yaml));
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return values;
            }
            parser.Consume<DocumentStart>();
            if (parser.TryConsume<Scalar>(out var lone) && string.IsNullOrEmpty(lone.Value))
            {
                return values; // an empty document
            }
            if (lone is not null)
            {
                throw new FormatException("The YAML front matter is not a set of key: value lines.");
            }
            parser.Consume<MappingStart>();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = parser.Consume<Scalar>().Value;
                var value = ReadYamlValue(parser, anchors);
                if (value is not null && !values.ContainsKey(key))
                {
                    values[key] = value;
                }
            }
        }
        catch (YamlException ex)
        {
            throw new FormatException($"The YAML front matter is not valid (line {ex.Start.Line}): {Shorten(ex.Message)}");
        }
        catch (EndOfStreamException)
        {
            throw new FormatException("The YAML front matter ends in the middle of a value.");
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner reports some malformed input (an unclosed flow sequence before a plain scalar) this way.
            throw new FormatException($"The YAML front matter is not valid: {Shorten(ex.Message)}");
        }
        return values;
    }

    private static object? ReadYamlValue(IParser parser, Dictionary<string, string> anchors)
    {
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            if (!scalar.Anchor.IsEmpty)
            {
                anchors[scalar.Anchor.Value] = scalar.Value;
            }
            return scalar.IsQuotedImplicit || scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted
                ? scalar.Value
                : scalar.Value.Trim() switch
                {
                    "true" or "True" or "TRUE" => true,
                    "false" or "False" or "FALSE" => false,
                    var plain => plain,
                };
        }
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.GetValueOrDefault(alias.Value.Value); // only scalars are remembered: nothing expands
        }
        if (parser.TryConsume<SequenceStart>(out _))
        {
            var list = new List<string>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                if (parser.TryConsume<Scalar>(out var item))
                {
                    list.Add(item.Value);
                }
                else if (parser.TryConsume<AnchorAlias>(out var itemAlias))
                {
                    if (anchors.TryGetValue(itemAlias.Value.Value, out var aliased))
                    {
                        list.Add(aliased);
                    }
                }
                else
                {
                    Skip(parser, depth: 1);
                }
            }
            return list;
        }
        Skip(parser, depth: 0);
        return null;
    }

    /// <summary>Steps over one node (a nested mapping or sequence), refusing nesting deeper than <see cref="MaxDepth"/>.</summary>
    private static void Skip(IParser parser, int depth)
    {
        var open = 0;
        do
        {
            var current = parser.Current ?? throw new FormatException("The YAML front matter ends early.");
            if (current is MappingStart or SequenceStart)
            {
                open++;
                if (depth + open > MaxDepth)
                {
                    throw new FormatException($"The YAML front matter is nested more than {MaxDepth} levels deep.");
                }
            }
            else if (current is MappingEnd or SequenceEnd)
            {
                open--;
            }
            parser.MoveNext();
        }
        while (open > 0);
    }

    private static Dictionary<string, object> ReadToml(string toml)
    {
        CheckTomlDepth(toml);
        TomlTable table;
        try
        {
            table = TomlSerializer.Deserialize<TomlTable>(toml) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            throw new FormatException($"The TOML front matter is not valid: {Shorten(ex.Message.Split('\n')[0])}");
        }
        var values = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in table)
        {
            object? simple = value switch
            {
                string s => s,
                bool b => b,
                TomlDateTime d => d.DateTime,
                long or double => Convert.ToString(value, CultureInfo.InvariantCulture),
                TomlArray array => array.OfType<object>().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToList(),
                _ => null,
            };
            if (simple is not null)
            {
                values.TryAdd(key, simple);
            }
        }
        return values;
    }

    /// <summary>Arrays and inline tables nested deeper than <see cref="MaxDepth"/>, counted outside strings.</summary>
    private static void CheckTomlDepth(string toml)
    {
        var depth = 0;
        char? quote = null;
        for (var i = 0; i < toml.Length; i++)
        {
            var c = toml[i];
            if (quote is { } q)
            {
                if (c == '\\' && q == '"')
                {
                    i++;
                }
                else if (c == q)
                {
                    quote = null;
                }
                continue;
            }
            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '#':
                    var lineEnd = toml.IndexOf('\n', i);
                    i = lineEnd < 0 ? toml.Length : lineEnd;
                    break;
                case '[' or '{':
                    if (++depth > MaxDepth)
                    {
                        throw new FormatException($"The TOML front matter is nested more than {MaxDepth} levels deep.");
                    }
                    break;
                case ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
            }
        }
    }

    private static Dictionary<string, object> ReadJson(string json)
    {
        var values = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        foreach (var property in document.RootElement.EnumerateObject())
        {
            object? simple = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Number => property.Value.GetRawText(),
                JsonValueKind.Array => property.Value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList(),
                _ => null,
            };
            if (simple is not null)
            {
                values.TryAdd(property.Name, simple);
            }
        }
        return values;
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
