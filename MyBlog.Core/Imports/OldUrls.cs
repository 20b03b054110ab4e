using MyBlog.Core.Posts;

namespace MyBlog.Core.Imports;

/// <summary>
/// A post's addresses on the blog it came from, as the site can answer them: a path (a full URL's path, decoded)
/// that the site could serve (<see cref="SitePaths.IsSitePath"/>, the edge's own rule), with a directory's slash.
/// Never one of the site's own addresses (the home page, its feeds, <c>/posts/</c>, <c>/tags/</c>, <c>/admin/</c>,
/// …): a redirect must never stand where a page of this site stands.
/// </summary>
public static class OldUrls
{
    public const int MaxLength = 512;

    /// <summary>How many old addresses one post keeps (Hugo's aliases can be many; a redirect object each).</summary>
    public const int MaxPerPost = 20;

    private static readonly HashSet<string> SiteFiles = new(StringComparer.OrdinalIgnoreCase)
    {
        "index.html", "404.html", "feed.xml", "atom.xml", "rss.xml", "index.xml", "sitemap.xml", "robots.txt", "favicon.svg", "favicon.ico",
    };

    /// <summary>The path <paramref name="raw"/> (a path or a URL) names, as the site would serve it; null when it cannot be one.</summary>
    public static string? Normalize(string? raw)
    {
        var text = raw?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return null;
        }
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
            {
                return null;
            }
            text = url.AbsolutePath;
        }
        text = text.Split('?', '#')[0];
        if (!text.StartsWith('/'))
        {
            text = "/" + text; // Hugo's aliases may be written relative to the site's root
        }
        string path;
        try
        {
            path = Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return null;
        }
        // Decoded, "%3F" is a "?" no request path can carry.
        if (!SitePaths.IsSitePath(path) || path.AsSpan().IndexOfAny('?', '#') >= 0)
        {
            return null;
        }
        var segments = path[1..].Split('/');
        if (segments[0].Length == 0 || PostSummary.ReservedPageSlugs.Contains(segments[0]) || (segments.Length == 1 && SiteFiles.Contains(segments[0])))
        {
            return null;
        }
        return path.EndsWith('/') || Path.HasExtension(segments[^1]) ? path : path + "/";
    }

    /// <summary>The old addresses of a post, each once, without its address here; at most <see cref="MaxPerPost"/>.</summary>
    public static IReadOnlyList<string> For(IEnumerable<string?> raw, string newPath) =>
        [.. raw.Select(Normalize).OfType<string>().Where(p => KeyOf(p) != KeyOf(newPath)).Distinct(StringComparer.Ordinal).Take(MaxPerPost)];

    /// <summary>The object a path is stored as: a directory's index.html.</summary>
    public static string KeyOf(string path) => (path.EndsWith('/') ? path + "index.html" : path).TrimStart('/');
}
