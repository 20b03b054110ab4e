using System.Globalization;
using System.Text;

namespace MyBlog.Core.Posts;

/// <summary>
/// URL slugs from titles. Letters and digits of every script are kept (a Korean title gives a Hangul slug, which
/// browsers show as typed and send percent-encoded); everything else becomes a single hyphen.
/// </summary>
public static class Slug
{
    public const int MaxLength = 80;

    public static string From(string title)
    {
        var text = title.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
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

    private static bool IsCombiningOnly(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;
}
