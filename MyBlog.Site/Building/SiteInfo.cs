using System.Security.Cryptography;

namespace MyBlog.Site.Building;

/// <summary>The site's name and public address, and its content-hashed asset names.</summary>
public sealed record SiteInfo(string Name, Uri BaseUrl, SiteAssets Assets)
{
    public string Absolute(string path) => new Uri(BaseUrl, path.TrimStart('/')).AbsoluteUri;

    public static string TagPath(string tag) => $"/tags/{tag}/";
}

/// <summary>
/// The stylesheet and script, named by a hash of their bytes so they can be cached forever: a change gets a new
/// name, and the pages that link it are rewritten.
/// </summary>
public sealed record SiteAssets(string Css, string Js, IReadOnlyList<SitePage> Files)
{
    public static SiteAssets Load()
    {
        var css = Asset("site.css", "text/css; charset=utf-8");
        var js = Asset("subscribe.js", "text/javascript; charset=utf-8");
        return new SiteAssets(css.Path, js.Path, [css, js]);
    }

    private static SitePage Asset(string name, string contentType)
    {
        using var stream = typeof(SiteAssets).Assembly.GetManifestResourceStream($"Assets/{name}")
            ?? throw new InvalidOperationException($"Missing embedded asset {name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];
        var dot = name.LastIndexOf('.');
        return new SitePage($"/assets/{name[..dot]}.{hash}{name[dot..]}", bytes, contentType, SitePage.Immutable);
    }
}
