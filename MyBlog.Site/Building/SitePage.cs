using System.Security.Cryptography;

namespace MyBlog.Site.Building;

/// <summary>One object of the static site: its URL path, bytes and the headers it is stored (and served) with.</summary>
public sealed record SitePage(string Path, byte[] Body, string ContentType, string CacheControl)
{
    /// <summary>Pages: the edge keeps them a minute and the publisher invalidates them on change; browsers revalidate.</summary>
    public const string Revalidate = "public, max-age=0, s-maxage=60, must-revalidate";

    /// <summary>Content-hashed assets never change under their name.</summary>
    public const string Immutable = "public, max-age=31536000, immutable";

    public string Hash { get; } = Convert.ToHexStringLower(SHA256.HashData(Body));

    /// <summary>The object key: directory URLs are stored as their index.html.</summary>
    public string Key => KeyFor(Path);

    public static string KeyFor(string path) => (path.EndsWith('/') ? path + "index.html" : path).TrimStart('/');

    /// <summary>The URL paths a reader may use for a key (both the directory and its index.html).</summary>
    public static IEnumerable<string> UrlPathsFor(string key)
    {
        yield return "/" + key;
        if (key == "index.html" || key.EndsWith("/index.html", StringComparison.Ordinal))
        {
            yield return "/" + key[..^"index.html".Length];
        }
    }
}
