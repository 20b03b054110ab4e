using System.Security.Cryptography;

namespace MyBlog.Site.Building;

/// <summary>One object of the static site: its URL path, bytes and the headers it is stored (and served) with.</summary>
public sealed record SitePage(string Path, byte[] Body, string ContentType, string CacheControl)
{
    /// <summary>Pages: the edge keeps them a minute and the publisher invalidates them on change; browsers revalidate.</summary>
    public const string Revalidate = "public, max-age=0, s-maxage=60, must-revalidate";

    /// <summary>Content-hashed assets never change under their name.</summary>
    public const string Immutable = "public, max-age=31536000, immutable";

    /// <summary>
    /// What the manifest keeps of it, to tell whether it changed: its bytes' hash (a redirect's says whose it is),
    /// computed when first asked — a build that only writes pages out never needs it.
    /// </summary>
    public string Hash
    {
        get => _hash ??= Convert.ToHexStringLower(SHA256.HashData(Body));
        init => _hash = value;
    }

    private string? _hash;

    /// <summary>For a redirect object: the site path it sends readers to (stored as object metadata, <see cref="RedirectMetadata"/>).</summary>
    public string? RedirectTo { get; init; }

    /// <summary>
    /// The object metadata that makes an object a permanent redirect: the edge (locally) and the CloudFront Function
    /// on viewer responses (on AWS) answer 301 with its value as the Location, from the cache after the first time.
    /// </summary>
    public const string RedirectMetadata = "myblog-redirect";

    /// <summary>A redirect's manifest hash starts so, then names the post it belongs to: <c>redirect:{slug}:{hash}</c>.</summary>
    public const string RedirectHashPrefix = "redirect:";

    /// <summary>The post a redirect's manifest hash names; null for a page's hash.</summary>
    public static string? RedirectOwner(string hash) =>
        hash.StartsWith(RedirectHashPrefix, StringComparison.Ordinal) && hash.IndexOf(':', RedirectHashPrefix.Length) is var end and > 0
            ? hash[RedirectHashPrefix.Length..end]
            : null;

    /// <summary>
    /// An old address of the post <paramref name="slug"/> (from the blog it was imported from), sending readers to
    /// <paramref name="target"/>: a small page that says so and links there, for whatever shows the body.
    /// </summary>
    public static SitePage Redirect(string oldPath, string target, string slug)
    {
        var href = System.Net.WebUtility.HtmlEncode(target);
        var body = System.Text.Encoding.UTF8.GetBytes(
            $"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Moved</title><link rel="canonical" href="{href}"><meta http-equiv="refresh" content="0; url={href}"></head><body><p>This page has moved to <a href="{href}">{href}</a>.</p></body></html>""");
        return new SitePage(oldPath, body, "text/html; charset=utf-8", Revalidate)
        {
            // Percent-encoded: object metadata and a Location header carry ASCII only (a slug may be any language's).
            RedirectTo = string.Join('/', target.Split('/').Select(Uri.EscapeDataString)),
            Hash = $"{RedirectHashPrefix}{slug}:{Convert.ToHexStringLower(SHA256.HashData(body))}",
        };
    }

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
