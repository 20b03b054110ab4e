using System.Net;
using MimeKit;
using MimeKit.Utils;

namespace MyBlog.Core.Staff;

/// <summary>
/// The email with a sign-in link: to sign in, or to accept an invitation. The link opens the editor with the token in
/// the fragment (<c>/admin/#sign-in=…</c>): a fragment never reaches a server or a Referer, and the editor redeems it
/// with a POST, so a mail scanner that follows links cannot use it up.
/// </summary>
public static class SignInEmail
{
    public static Uri LinkUrl(MyBlogOptions site, string token) => new(site.SiteUri, $"admin/#sign-in={Uri.EscapeDataString(token)}");

    public static MimeMessage Create(MyBlogOptions site, MailboxAddress from, StaffMember person, SignInMailKind kind, string? invitedBy, string token)
    {
        var link = LinkUrl(site, token).AbsoluteUri;
        var invite = kind == SignInMailKind.Invite;
        var subject = invite
            ? $"{invitedBy ?? "The owner"} invited you to {site.SiteName}"
            : $"Your sign-in link for {site.SiteName}";
        var lead = invite
            ? $"{invitedBy ?? "The owner"} invited you to write for {site.SiteName} as {(person.Role == StaffRole.Owner ? "an owner" : "an author")}."
            : $"Here is your link to sign in to {site.SiteName}'s editor.";
        var validity = invite ? "It works once, for 7 days." : "It works once, for 15 minutes.";
        var after = invite ? "Once signed in, add a passkey so that you can sign in with your device next time." : "If you did not ask for it, ignore this email: nobody can use the link without it.";

        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(new MailboxAddress(person.Name, person.Email));
        message.Subject = subject;
        message.MessageId = MimeUtils.GenerateMessageId(from.Domain);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        string E(string text) => WebUtility.HtmlEncode(text);
        message.Body = new BodyBuilder
        {
            TextBody = $"""
                Hello {person.Name},

                {lead}

                Sign in: {link}

                {validity} {after}

                — {site.SiteName}
                """,
            HtmlBody = $"""
                <!doctype html>
                <html lang="en">
                <head><meta charset="utf-8"><meta name="color-scheme" content="light dark"><title>{E(subject)}</title></head>
                <body style="margin:0;padding:24px;background:#f6f6f4;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328">
                  <div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:12px;padding:32px;line-height:1.6">
                    <p>Hello {E(person.Name)},</p>
                    <p>{E(lead)}</p>
                    <p style="margin:24px 0"><a href="{E(link)}" style="background:#1f6feb;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:8px;display:inline-block;font-weight:600">Sign in</a></p>
                    <p style="font-size:14px;color:#57606a">{E(validity)} {E(after)}</p>
                  </div>
                </body>
                </html>
                """,
        }.ToMessageBody();
        return message;
    }
}
