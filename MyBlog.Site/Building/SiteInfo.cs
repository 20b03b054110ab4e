using System.Security.Cryptography;
using MyBlog.Core.Photos;

namespace MyBlog.Site.Building;

/// <summary>A link in the site's navigation: a page's title and address.</summary>
public sealed record NavigationLink(string Title, string Path);

/// <summary>The site's name and public address, its content-hashed asset names, and its navigation.</summary>
public sealed record SiteInfo(string Name, Uri BaseUrl, SiteAssets Assets)
{
    /// <summary>The links of every page's header: the pages marked for the navigation, by title, then the author's own.</summary>
    public IReadOnlyList<NavigationLink> Navigation { get; init; } = [];

    /// <summary>What the site is about (the home page's description); null: a sentence made from its name.</summary>
    public string? Description { get; init; }

    /// <summary>The language of the site's pages (their <c>lang</c>), a BCP 47 tag.</summary>
    public string Language { get; init; } = "en";

    /// <summary>Who writes the site: named in every page's footer and the feeds' entries (the site's name when unset).</summary>
    public string? AuthorName { get; init; }

    public PhotoImage? AuthorPhoto { get; init; }

    /// <summary>The footer's own line, as plain text.</summary>
    public string? Footer { get; init; }

    /// <summary>The author's other places (a Mastodon, a GitHub), linked from every page's footer.</summary>
    public IReadOnlyList<NavigationLink> Social { get; init; } = [];

    /// <summary>The image a page without a cover photo shares on social sites.</summary>
    public PhotoImage? SocialImage { get; init; }

    /// <summary>
    /// Everything about the site that every page shows, as one text: when it changes, every page is rendered again.
    /// </summary>
    public string Fingerprint() => string.Join('\u001f',
        Name, Description, Language, AuthorName, AuthorPhoto?.Id, AuthorPhoto is null ? null : string.Join(',', AuthorPhoto.Widths), Footer,
        SocialImage?.Id, SocialImage is null ? null : string.Join(',', SocialImage.Widths),
        string.Join('\u001e', Navigation.Select(l => $"{l.Title}\t{l.Path}")), string.Join('\u001e', Social.Select(l => $"{l.Title}\t{l.Path}")));

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
