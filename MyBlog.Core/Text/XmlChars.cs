using System.Globalization;
using System.Text;

namespace MyBlog.Core.Text;

/// <summary>
/// The characters XML 1.0 can hold: tab, line feed, carriage return, U+0020–U+D7FF, U+E000–U+FFFD and the planes
/// beyond as proper surrogate pairs. Feeds and sitemaps are XML, so text an author may put in them is checked on the
/// way in (a clear 400) and cleaned on the way out (so nothing stored earlier can stop a feed from being written).
/// </summary>
public static class XmlChars
{
    /// <summary>The first character XML cannot hold, described for a person ("U+FFFE at character 12"); null when there is none.</summary>
    public static string? FirstInvalid(string? text)
    {
        if (text is null)
        {
            return null;
        }
        for (var i = 0; i < text.Length; i++)
        {
            var width = ValidWidth(text, i);
            if (width == 0)
            {
                return $"U+{(int)text[i]:X4} at character {(i + 1).ToString(CultureInfo.InvariantCulture)}";
            }
            i += width - 1;
        }
        return null;
    }

    /// <summary>The text without the characters XML cannot hold (the same string when it has none).</summary>
    public static string Clean(string text)
    {
        if (FirstInvalid(text) is null)
        {
            return text;
        }
        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var width = ValidWidth(text, i);
            if (width > 0)
            {
                clean.Append(text, i, width);
                i += width - 1;
            }
        }
        return clean.ToString();
    }

    /// <summary>1 or 2 (a surrogate pair) when the character at <paramref name="i"/> is allowed, 0 when not.</summary>
    private static int ValidWidth(string text, int i)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c))
        {
            return i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 0;
        }
        return c is '\t' or '\n' or '\r' || c is >= ' ' and <= '\uD7FF' || c is >= '\uE000' and <= '\uFFFD' ? 1 : 0;
    }
}
