using System.Globalization;
using System.Text;

namespace MyBlog.Core.Posts;

/// <summary>
/// URL slugs from titles. Letters and digits of every script are kept (a Korean title gives a Hangul slug, which
/// browsers show as typed and send percent-encoded); everything else becomes a single hyphen. Full-width Latin
/// letters and digits (what CJK input methods type) become their ASCII forms. MyBlog runs with invariant
/// globalization (its servers carry no ICU), where <see cref="string.Normalize()"/> does nothing, so this
/// fold — the part of NFKC that titles need — is done here; combining marks typed separately are dropped.
/// </summary>
public static class Slug
{
    public const int MaxLength = 80;

    public static string From(string title)
    {
        var text = FoldWidth(title).ToLowerInvariant();
        var slug = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune) && !IsCombiningOnly(rune))
            {
                slug.Append(rune.ToString());
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
            if (slug.Length >= MaxLength)
            {
                break;
            }
        }
        var result = slug.ToString().Trim('-');
        return result.Length == 0 ? "post" : result;
    }

    /// <summary>The n-th alternative when a slug is taken: <c>hello</c>, <c>hello-2</c>, <c>hello-3</c>…</summary>
    public static string WithSuffix(string slug, int n) => n <= 1 ? slug : $"{slug}-{n}";

    public static bool IsValid(string? slug) =>
        !string.IsNullOrEmpty(slug) && slug.Length <= MaxLength + 8 && slug == slug.Trim('-')
        && slug.EnumerateRunes().All(r => Rune.IsLetterOrDigit(r) || r.Value == '-')
        && !slug.Contains("--", StringComparison.Ordinal)
        && slug == slug.ToLowerInvariant();

    /// <summary>U+FF01–U+FF5E (full-width ASCII) → U+0021–U+007E, and the ideographic space U+3000 → a space.</summary>
    private static string FoldWidth(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            span[i] = source[i] switch
            {
                >= '\uFF01' and <= '\uFF5E' and var c => (char)(c - 0xFEE0),
                '\u3000' => ' ',
                var c => c,
            };
        }
    });

    private static bool IsCombiningOnly(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;
}
