using System.Security.Cryptography;

namespace MyBlog.Site.Building;

/// <summary>A link in the site's navigation: a page's title and address.</summary>
public sealed record NavigationLink(string Title, string Path);

/// <summary>The site's name and public address, its content-hashed asset names, and its navigation.</summary>
public sealed record SiteInfo(string Name, Uri BaseUrl, SiteAssets Assets)
{
    /// <summary>The pages linked from every page's header (those marked for the navigation), by title.</summary>
    public IReadOnlyList<NavigationLink> Navigation { get; init; } = [];

    public string Absolute(string path) => new Uri(BaseUrl, path.TrimStart('/')).AbsoluteUri;

    public static string TagPath(string tag) => $"/tags/{tag}/";
}

/// <summary>
/// The stylesheet and script, named by a hash of their bytes so they can be cached forever: a change gets a new
/// name, and the pages that link it are rewritten. And the editor under <c>/admin/</c>: static files the publisher
/// writes with the site, so the site bucket has one writer and a deploy brings a changed editor with it.
/// </summary>
public sealed record SiteAssets(string Css, string Js, IReadOnlyList<SitePage> Files)
{
    public const string EditorPath = "/admin/";

    public const string IconPath = "/favicon.svg";

    private static readonly (string Name, string ContentType)[] EditorFiles =
    [
        ("index.html", "text/html; charset=utf-8"),
        ("admin.css", "text/css; charset=utf-8"),
        ("admin.js", "text/javascript; charset=utf-8"),
    ];

    public static SiteAssets Load()
    {
        var css = Asset("site.css", "text/css; charset=utf-8");
        var js = Asset("subscribe.js", "text/javascript; charset=utf-8");
        // The editor's names are fixed (its page links them), so it revalidates like a page.
        var editor = EditorFiles.Select(f => new SitePage(EditorPath + (f.Name == "index.html" ? "" : f.Name), Read($"Editor/{f.Name}"), f.ContentType, SitePage.Revalidate));
        // Icons at the addresses browsers and feed readers ask for without a link (/favicon.ico), so none is a 404.
        SitePage[] icons =
        [
            new(IconPath, Read("Assets/favicon.svg"), "image/svg+xml", SitePage.Revalidate),
            new("/favicon.ico", Read("Assets/favicon.ico"), "image/x-icon", SitePage.Revalidate),
        ];
        return new SiteAssets(css.Path, js.Path, [css, js, .. icons, .. editor]);
    }

    private static SitePage Asset(string name, string contentType)
    {
        var bytes = Read($"Assets/{name}");
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];
        var dot = name.LastIndexOf('.');
        return new SitePage($"/assets/{name[..dot]}.{hash}{name[dot..]}", bytes, contentType, SitePage.Immutable);
    }

    private static byte[] Read(string resource)
    {
        using var stream = typeof(SiteAssets).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Missing embedded resource {resource}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
