using System.Net;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using MimeKit;
using MimeKit.Utils;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;

namespace MyBlog.Core.Newsletter;

/// <summary>Who one newsletter email goes to, and the link that takes them off the list.</summary>
public sealed record NewsletterRecipient(string Email, string? Name, Uri Unsubscribe);

/// <summary>
/// A post as an email. Mail clients are not browsers: no stylesheets (every style is inline), no scripts, no
/// WebP or <c>srcset</c> in many of them, no relative URLs. So the post's HTML is rewritten: each photo becomes one
/// JPEG variant at twice the 600-pixel column, links and images become absolute, code blocks wrap and scroll rather
/// than widen the message, and whatever could run or embed is dropped. A plain-text part carries the same words,
/// and each copy carries its reader's own one-click unsubscribe (RFC 8058).
/// </summary>
public static class NewsletterEmail
{
    /// <summary>The column of the email (pixels): what mail clients on desktop and phone both display well.</summary>
    public const int Column = 600;

    private static readonly string[] Dropped = ["script", "style", "iframe", "object", "embed", "form", "input", "button", "select", "textarea", "video", "audio", "source", "noscript", "svg"];

    private static readonly Dictionary<string, string> Styles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["p"] = "margin:0 0 16px;line-height:1.6",
        ["h1"] = "font-size:24px;line-height:1.3;margin:28px 0 12px",
        ["h2"] = "font-size:20px;line-height:1.3;margin:28px 0 12px",
        ["h3"] = "font-size:18px;line-height:1.3;margin:24px 0 8px",
        ["h4"] = "font-size:16px;line-height:1.3;margin:20px 0 8px",
        ["ul"] = "margin:0 0 16px;padding-left:24px;line-height:1.6",
        ["ol"] = "margin:0 0 16px;padding-left:24px;line-height:1.6",
        ["blockquote"] = "margin:0 0 16px;padding:4px 16px;border-left:4px solid #d0d7de;color:#57606a",
        ["pre"] = "margin:0 0 16px;padding:12px;background:#f6f8fa;border-radius:6px;font-size:13px;line-height:1.45;white-space:pre-wrap;word-break:break-word;overflow-x:auto",
        ["code"] = "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;background:#f6f8fa;padding:1px 4px;border-radius:4px",
        ["table"] = "border-collapse:collapse;margin:0 0 16px;width:100%",
        ["th"] = "border:1px solid #d0d7de;padding:6px 10px;text-align:left;background:#f6f8fa",
        ["td"] = "border:1px solid #d0d7de;padding:6px 10px",
        ["hr"] = "border:none;border-top:1px solid #d0d7de;margin:24px 0",
        ["a"] = "color:#1f6feb",
        ["img"] = "display:block;max-width:100%;height:auto;border:0;margin:0 0 16px",
    };

    public static MimeMessage Create(MyBlogOptions site, MailboxAddress from, Post post, IReadOnlyDictionary<string, PhotoImage> photos,
        NewsletterRecipient to)
    {
        var postUrl = new Uri(site.SiteUri, PostSummary.PathFor(post.Slug).TrimStart('/')).AbsoluteUri;
        var body = MailHtml(site, post, photos);
        var message = new MimeMessage();
        message.From.Add(from);
        // MailboxAddress takes the name and address as data, so nothing a reader typed can become a header.
        message.To.Add(new MailboxAddress(to.Name ?? "", to.Email));
        message.Subject = post.Title;
        message.MessageId = MimeUtils.GenerateMessageId(from.Domain);
        message.Headers.Add("List-Unsubscribe", $"<{to.Unsubscribe.AbsoluteUri}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Headers.Add("List-Id", $"{site.SiteName} <posts.{site.SiteUri.Host}>");
        message.Headers.Add("Precedence", "bulk");

        var cover = post.CoverPhotoId is { } coverId && photos.TryGetValue(coverId, out var coverPhoto) ? Image(site, coverPhoto, post.Title) : "";
        var builder = new BodyBuilder
        {
            HtmlBody = Html(site, post, body, cover, postUrl, to.Unsubscribe.AbsoluteUri),
            TextBody = Text(site, post, body, postUrl, to.Unsubscribe.AbsoluteUri),
        };
        message.Body = builder.ToMessageBody();
        return message;
    }

    /// <summary>The post's HTML as a mail client can show it (see the class summary).</summary>
    public static string MailHtml(MyBlogOptions site, Post post, IReadOnlyDictionary<string, PhotoImage> photos)
    {
        var parser = new HtmlParser();
        var document = parser.ParseDocument("<body></body>");
        var root = document.Body!;
        root.InnerHtml = PostContent.ToHtml(post.Markdown);

        foreach (var element in root.QuerySelectorAll(string.Join(",", Dropped)).ToList())
        {
            element.Remove();
        }
        foreach (var picture in root.QuerySelectorAll("picture").ToList())
        {
            if (picture.QuerySelector("img") is { } inner)
            {
                picture.Replace(inner);
            }
            else
            {
                picture.Remove();
            }
        }
        foreach (var img in root.QuerySelectorAll("img").ToList())
        {
            var src = img.GetAttribute("src");
            if (PhotoMarkup.IdFromUrl(src) is { } id && photos.TryGetValue(id, out var photo))
            {
                img.Replace(parser.ParseFragment(Image(site, photo, img.GetAttribute("alt") ?? ""), root).ToArray());
                continue;
            }
            if (!TryAbsolute(site, src, out var absolute))
            {
                img.Remove();
                continue;
            }
            foreach (var attribute in img.Attributes.Select(a => a.Name).Where(n => n is not ("alt" or "width" or "height")).ToList())
            {
                img.RemoveAttribute(attribute);
            }
            img.SetAttribute("src", absolute);
        }
        foreach (var link in root.QuerySelectorAll("a").ToList())
        {
            if (TryAbsolute(site, link.GetAttribute("href"), out var absolute))
            {
                link.SetAttribute("href", absolute);
            }
            else
            {
                link.RemoveAttribute("href");
            }
        }
        foreach (var element in root.QuerySelectorAll("*"))
        {
            foreach (var handler in element.Attributes.Select(a => a.Name).Where(n => n.StartsWith("on", StringComparison.OrdinalIgnoreCase) || n is "class" or "id").ToList())
            {
                element.RemoveAttribute(handler);
            }
            if (Styles.TryGetValue(element.LocalName, out var style) && !(element.LocalName == "code" && element.ParentElement?.LocalName == "pre"))
            {
                element.SetAttribute("style", style);
            }
            else if (element.LocalName == "code")
            {
                element.SetAttribute("style", "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace");
            }
        }
        return root.InnerHtml;
    }

    /// <summary>One JPEG variant at twice the column (or the largest there is), shown at the column's width.</summary>
    private static string Image(MyBlogOptions site, PhotoImage photo, string alt)
    {
        var width = photo.Widths.LastOrDefault(w => w <= Column * 2, photo.Widths[0]);
        var shown = Math.Min(Column, width);
        var src = new Uri(site.SiteUri, photo.Url(width, "jpg").TrimStart('/')).AbsoluteUri;
        return $"""<img src="{E(src)}" width="{shown}" height="{photo.HeightAt(shown)}" alt="{E(alt)}" style="{Styles["img"]}">""";
    }

    private static bool TryAbsolute(MyBlogOptions site, string? url, out string absolute)
    {
        absolute = "";
        if (string.IsNullOrWhiteSpace(url) || !PostContent.IsSafeUrl(url) || url.StartsWith('#'))
        {
            return false;
        }
        if (!Uri.TryCreate(site.SiteUri, url, out var resolved) || resolved.Scheme is not ("http" or "https" or "mailto"))
        {
            return false;
        }
        absolute = resolved.AbsoluteUri;
        return true;
    }

    private static string Html(MyBlogOptions site, Post post, string body, string cover, string postUrl, string unsubscribe) => $"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light"><title>{E(post.Title)}</title></head>
        <body style="margin:0;padding:24px 12px;background:#f6f6f4;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328">
          <div style="max-width:{Column}px;margin:0 auto;background:#ffffff;border-radius:12px;padding:32px 24px;font-size:16px">
            <p style="margin:0 0 8px;font-size:13px;color:#57606a"><a href="{E(site.SiteUri.AbsoluteUri)}" style="color:#57606a;text-decoration:none">{E(site.SiteName)}</a></p>
            <h1 style="font-size:28px;line-height:1.25;margin:0 0 20px"><a href="{E(postUrl)}" style="color:#1f2328;text-decoration:none">{E(post.Title)}</a></h1>
            {cover}
            {body}
            <p style="margin:28px 0"><a href="{E(postUrl)}" style="background:#1f6feb;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:8px;display:inline-block;font-weight:600">Read on the site</a></p>
            <hr style="{Styles["hr"]}">
            <p style="font-size:13px;color:#57606a;margin:0">You get this email because you subscribed to <a href="{E(site.SiteUri.AbsoluteUri)}" style="color:#57606a">{E(site.SiteName)}</a>. <a href="{E(unsubscribe)}" style="color:#57606a">Unsubscribe</a></p>
          </div>
        </body>
        </html>
        """;

    /// <summary>The same words as plain text: blocks separated by blank lines, links followed by their address.</summary>
    private static string Text(MyBlogOptions site, Post post, string body, string postUrl, string unsubscribe)
    {
        var text = new StringBuilder();
        text.AppendLine(post.Title).AppendLine(new string('=', Math.Min(post.Title.Length, 72))).AppendLine();
        var root = new HtmlParser().ParseDocument("<body>" + body + "</body>").Body!;
        foreach (var block in root.Children)
        {
            AppendBlock(text, block);
        }
        text.AppendLine($"Read on the site: {postUrl}").AppendLine()
            .AppendLine("--")
            .AppendLine($"You get this email because you subscribed to {site.SiteName} ({site.SiteUri.AbsoluteUri}).")
            .AppendLine($"Unsubscribe: {unsubscribe}");
        return text.ToString();
    }

    private static void AppendBlock(StringBuilder text, IElement block)
    {
        switch (block.LocalName)
        {
            case "ul" or "ol":
                var n = 0;
                foreach (var item in block.Children.Where(c => c.LocalName == "li"))
                {
                    text.Append(block.LocalName == "ol" ? $"{++n}. " : "- ").AppendLine(Inline(item).Trim());
                }
                text.AppendLine();
                break;
            case "pre":
                text.AppendLine(block.TextContent.TrimEnd()).AppendLine();
                break;
            case "hr":
                text.AppendLine("----").AppendLine();
                break;
            case "img":
                text.AppendLine($"[{block.GetAttribute("alt")}]").AppendLine();
                break;
            default:
                var line = Inline(block).Trim();
                if (line.Length > 0)
                {
                    text.AppendLine(block.LocalName is "h1" or "h2" or "h3" or "h4" ? line.ToUpperInvariant() : line).AppendLine();
                }
                break;
        }
    }

    private static string Inline(INode node)
    {
        var text = new StringBuilder();
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IElement { LocalName: "a" } link when link.GetAttribute("href") is { } href && href != link.TextContent:
                    text.Append(Inline(link)).Append(" (").Append(href).Append(')');
                    break;
                case IElement { LocalName: "img" } image:
                    text.Append('[').Append(image.GetAttribute("alt")).Append(']');
                    break;
                case IElement { LocalName: "br" }:
                    text.AppendLine();
                    break;
                case IElement element:
                    text.Append(Inline(element));
                    break;
                default:
                    text.Append(child.TextContent);
                    break;
            }
        }
        return text.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
