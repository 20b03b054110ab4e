using System.Net;
using MimeKit;
using MimeKit.Utils;
using MyBlog.Core.Subscribers;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// The welcome email: a short, warm note with one clear action (confirm), in HTML and plain text, and the
/// one-click unsubscribe headers of RFC 8058 that mailbox providers expect from list mail.
/// </summary>
public static class WelcomeEmail
{
    public static Uri ConfirmUrl(MyBlogOptions site, string subscriberId, string token) =>
        new(site.SiteUri, $"api/subscribers/{subscriberId}/confirm?token={Uri.EscapeDataString(token)}");

    public static Uri UnsubscribeUrl(MyBlogOptions site, string subscriberId, string token) =>
        new(site.SiteUri, $"api/subscribers/{subscriberId}/unsubscribe?token={Uri.EscapeDataString(token)}");

    public static MimeMessage Create(MyBlogOptions site, MailboxAddress from, WelcomeClaim claim)
    {
        var subscriber = claim.Subscriber;
        var confirm = ConfirmUrl(site, subscriber.Id, claim.ConfirmToken).AbsoluteUri;
        var unsubscribe = UnsubscribeUrl(site, subscriber.Id, claim.UnsubscribeToken).AbsoluteUri;
        // The address is not confirmed yet: whoever typed it (and a name) may be a stranger, and a DKIM-signed email in
        // the blog's voice carrying a stranger's words to any inbox is a weapon. Nothing typed goes in.
        const string greeting = "Hello";
        var siteUrl = site.SiteUri.AbsoluteUri;

        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(new MailboxAddress("", subscriber.Email));
        message.Subject = $"Welcome to {site.SiteName} — please confirm your subscription";
        message.MessageId = MimeUtils.GenerateMessageId(from.Domain);
        message.Headers.Add("List-Unsubscribe", $"<{unsubscribe}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Headers.Add("List-Id", $"{site.SiteName} <subscribers.{site.SiteUri.Host}>");
        message.Headers.Add("Auto-Submitted", "auto-generated");

        var body = new BodyBuilder
        {
            TextBody = $"""
                {greeting},

                Thank you for subscribing to {site.SiteName}! You'll get an email whenever a new post is published.

                Please confirm your subscription by opening this link (it is valid for 7 days):
                {confirm}

                If you didn't ask for this, you can ignore this email, or unsubscribe right away:
                {unsubscribe}

                — {site.SiteName}
                {siteUrl}
                """,
            HtmlBody = Html(site.SiteName, greeting, confirm, unsubscribe, siteUrl),
        };
        message.Body = body.ToMessageBody();
        return message;
    }

    private static string Html(string siteName, string greeting, string confirm, string unsubscribe, string siteUrl)
    {
        string E(string text) => WebUtility.HtmlEncode(text);
        return $"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark"><title>Welcome to {E(siteName)}</title></head>
            <body style="margin:0;padding:24px;background:#f6f6f4;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328">
              <div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:12px;padding:32px;line-height:1.6">
                <h1 style="font-size:22px;margin:0 0 16px">{E(greeting)} 👋</h1>
                <p>Thank you for subscribing to <strong>{E(siteName)}</strong>! You'll get an email whenever a new post is published — nothing else.</p>
                <p>Please confirm that this is your address:</p>
                <p style="margin:24px 0"><a href="{E(confirm)}" style="background:#1f6feb;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:8px;display:inline-block;font-weight:600">Confirm my subscription</a></p>
                <p style="font-size:14px;color:#57606a">The link is valid for 7 days. If you didn't ask for this, you can ignore this email.</p>
                <hr style="border:none;border-top:1px solid #d0d7de;margin:24px 0">
                <p style="font-size:13px;color:#57606a"><a href="{E(siteUrl)}" style="color:#57606a">{E(siteName)}</a> · <a href="{E(unsubscribe)}" style="color:#57606a">Unsubscribe</a></p>
              </div>
            </body>
            </html>
            """;
    }
}
