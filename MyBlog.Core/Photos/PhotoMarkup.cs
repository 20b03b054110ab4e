using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace MyBlog.Core.Photos;

/// <summary>
/// How a photo appears in a page: a <c>&lt;picture&gt;</c> with WebP first and JPEG as the fallback, every width in
/// <c>srcset</c> with <c>sizes</c> for the page's column, explicit width and height so nothing shifts while it loads,
/// and lazy loading for photos below the fold.
/// </summary>
public static partial class PhotoMarkup
{
    /// <summary>The content column is 40rem (640 px) inside 42rem with 1rem padding; below that, the viewport less the padding.</summary>
    public const string ContentSizes = "(max-width: 42rem) calc(100vw - 2rem), 40rem";

    /// <summary>The ids of the photos a post's Markdown shows (images whose URL is under /media/{id}/).</summary>
    public static IEnumerable<string> ReferencedIds(string markdown) =>
        MediaUrl().Matches(markdown).Select(m => m.Groups[1].Value).Distinct();

    /// <summary>The photo id in a media URL (<c>/media/{id}/1280.jpg</c>), or null.</summary>
    public static string? IdFromUrl(string? url) =>
        url is not null && MediaUrl().Match(url) is { Success: true, Index: 0 } match ? match.Groups[1].Value : null;

    public static string Picture(PhotoImage photo, string alt, bool lazy, string sizes = ContentSizes, bool highPriority = false)
    {
        var html = new StringBuilder(512);
        html.Append("<picture><source type=\"image/webp\" srcset=\"").Append(SrcSet(photo, "webp"))
            .Append("\" sizes=\"").Append(sizes).Append("\">");
        // The fallback src is the variant closest to the column's width at 2× (1280), or the largest there is.
        var fallback = photo.Widths.LastOrDefault(w => w <= 1280, photo.Widths[0]);
        html.Append("<img src=\"").Append(photo.Url(fallback, "jpg"))
            .Append("\" srcset=\"").Append(SrcSet(photo, "jpg"))
            .Append("\" sizes=\"").Append(sizes)
            .Append("\" width=\"").Append(photo.LargestWidth).Append("\" height=\"").Append(photo.HeightAt(photo.LargestWidth))
            .Append("\" alt=\"").Append(WebUtility.HtmlEncode(alt)).Append('"')
            .Append(lazy ? " loading=\"lazy\"" : "")
            .Append(highPriority ? " fetchpriority=\"high\"" : "")
            .Append(" decoding=\"async\"></picture>");
        return html.ToString();
    }

    private static string SrcSet(PhotoImage photo, string extension) =>
        string.Join(", ", photo.Widths.Select(w => $"{photo.Url(w, extension)} {w}w"));

    [GeneratedRegex(@"/media/([0-9a-f]{32})/[0-9]{1,5}\.(?:webp|jpg)")]
    private static partial Regex MediaUrl();
}
