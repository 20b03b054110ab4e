using System.Globalization;
using System.Text;
using System.Xml;
using MyBlog.Core.Posts;
using MyBlog.Core.Text;

namespace MyBlog.Site.Building;

/// <summary>Atom and RSS feeds of the latest posts, the sitemap and robots.txt — written with XmlWriter, so always well-formed.</summary>
public static class Feeds
{
    public const int FeedSize = 20;

    public static byte[] Atom(SiteInfo site, IReadOnlyList<PostSummary> newestFirst) => Xml(writer =>
    {
        const string ns = "http://www.w3.org/2005/Atom";
        writer.WriteStartElement("feed", ns);
        writer.WriteElementString("title", ns, T(site.Name));
        writer.WriteElementString("id", ns, site.Absolute("/"));
        writer.WriteElementString("updated", ns, Rfc3339(newestFirst.FirstOrDefault()?.UpdatedAt ?? DateTimeOffset.UnixEpoch));
        Link(writer, ns, site.Absolute("/"), "alternate");
        Link(writer, ns, site.Absolute("/feed.xml"), "self");
        foreach (var post in newestFirst.Take(FeedSize))
        {
            writer.WriteStartElement("entry", ns);
            writer.WriteElementString("title", ns, T(post.Title));
            writer.WriteElementString("id", ns, site.Absolute(post.Path));
            Link(writer, ns, site.Absolute(post.Path), "alternate");
            writer.WriteElementString("published", ns, Rfc3339(post.PublishedAt!.Value));
            writer.WriteElementString("updated", ns, Rfc3339(post.UpdatedAt));
            writer.WriteStartElement("author", ns);
            writer.WriteElementString("name", ns, T(site.AuthorName ?? site.Name));
            writer.WriteEndElement();
            writer.WriteElementString("summary", ns, T(post.Summary));
            foreach (var tag in post.Tags)
            {
                writer.WriteStartElement("category", ns);
                writer.WriteAttributeString("term", T(tag));
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
    });

    public static byte[] Rss(SiteInfo site, IReadOnlyList<PostSummary> newestFirst) => Xml(writer =>
    {
        writer.WriteStartElement("rss");
        writer.WriteAttributeString("version", "2.0");
        writer.WriteStartElement("channel");
        writer.WriteElementString("title", T(site.Name));
        writer.WriteElementString("link", site.Absolute("/"));
        writer.WriteElementString("description", T(site.Description ?? $"New posts on {site.Name}"));
        foreach (var post in newestFirst.Take(FeedSize))
        {
            writer.WriteStartElement("item");
            writer.WriteElementString("title", T(post.Title));
            writer.WriteElementString("link", site.Absolute(post.Path));
            writer.WriteStartElement("guid");
            writer.WriteAttributeString("isPermaLink", "true");
            writer.WriteString(site.Absolute(post.Path));
            writer.WriteEndElement();
            writer.WriteElementString("pubDate", post.PublishedAt!.Value.ToString("r", CultureInfo.InvariantCulture));
            writer.WriteElementString("description", T(post.Summary));
            foreach (var tag in post.Tags)
            {
                writer.WriteElementString("category", T(tag));
            }
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
        writer.WriteEndElement();
    });

    public static byte[] Sitemap(SiteInfo site, IEnumerable<(string Path, DateTimeOffset? Modified)> pages) => Xml(writer =>
    {
        const string ns = "http://www.sitemaps.org/schemas/sitemap/0.9";
        writer.WriteStartElement("urlset", ns);
        foreach (var (path, modified) in pages)
        {
            writer.WriteStartElement("url", ns);
            writer.WriteElementString("loc", ns, site.Absolute(path));
            if (modified is { } at)
            {
                writer.WriteElementString("lastmod", ns, at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
    });

    public static byte[] Robots(SiteInfo site) =>
        Encoding.UTF8.GetBytes($"User-agent: *\nAllow: /\nDisallow: /admin/\nDisallow: /api/\n\nSitemap: {site.Absolute("/sitemap.xml")}\n");

    /// <summary>
    /// Text as XML can hold it. Input is refused at the API when it has characters XML cannot hold; this keeps any
    /// that got in some other way (an older post, an import) from stopping every later feed.
    /// </summary>
    private static string T(string text) => XmlChars.Clean(text);

    private static void Link(XmlWriter writer, string ns, string href, string rel)
    {
        writer.WriteStartElement("link", ns);
        writer.WriteAttributeString("href", href);
        writer.WriteAttributeString("rel", rel);
        writer.WriteEndElement();
    }

    private static string Rfc3339(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static byte[] Xml(Action<XmlWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            writer.WriteStartDocument();
            write(writer);
            writer.WriteEndDocument();
        }
        return stream.ToArray();
    }
}
