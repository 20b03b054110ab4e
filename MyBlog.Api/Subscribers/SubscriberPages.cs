using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;
using MyBlog.Core.Subscribers;

namespace MyBlog.Api.Subscribers;

/// <summary>
/// The small pages a reader sees after clicking a link in an email. Every outcome — including a stale or forged
/// link — gets a plain, friendly page rather than an error.
/// </summary>
internal static class SubscriberPages
{
    public static ContentHttpResult Confirm(string id, string? token, ConfirmOutcome outcome) => outcome switch
    {
        ConfirmOutcome.AwaitingConfirmation => Page(200, "Confirm your subscription", "One click and you're in: new posts will arrive in your inbox.",
            Button($"/api/subscribers/{WebUtility.UrlEncode(id)}/confirm?token={WebUtility.UrlEncode(token ?? "")}", "Confirm my subscription")),
        ConfirmOutcome.Confirmed => Page(200, "You're subscribed", "Thanks for confirming! New posts will arrive in your inbox."),
        ConfirmOutcome.AlreadyConfirmed => Page(200, "Already confirmed", "Your subscription was already confirmed. Nothing more to do."),
        ConfirmOutcome.Unsubscribed => Page(409, "You have unsubscribed", "This address was unsubscribed, so there is nothing to confirm. To subscribe again, use the Subscribe again button on the page the unsubscribe link in our last email opens."),
        ConfirmOutcome.Expired => Page(410, "This link has expired", "Confirm links are valid for 7 days. We can send you a fresh one.",
            Button($"/api/subscribers/{WebUtility.UrlEncode(id)}/resend?token={WebUtility.UrlEncode(token ?? "")}", "Send me a new link")),
        _ => Page(404, "This link is not valid", "We couldn't find a subscription for this link. Check that you opened the whole link from the newest email, or subscribe again on the site."),
    };

    public static ContentHttpResult Resent(ResendOutcome outcome) => outcome switch
    {
        ResendOutcome.Sent => Page(202, "Check your inbox", "A fresh welcome email with a new confirm link is on its way."),
        ResendOutcome.TooSoon => Page(429, "Check your inbox", "We sent a welcome email to this address only a little while ago. Look for it (and in your spam folder), or try again later."),
        ResendOutcome.AlreadyConfirmed => Page(200, "Already confirmed", "Your subscription was already confirmed. Nothing more to do."),
        ResendOutcome.Unsubscribed => Page(409, "You have unsubscribed", "This address was unsubscribed. To subscribe again, use the Subscribe again button on the page the unsubscribe link in our last email opens."),
        _ => Page(404, "This link is not valid", "We couldn't find a subscription for this link. Subscribe again on the site."),
    };

    public static ContentHttpResult AskToUnsubscribe(string id, string? token) => Page(200, "Unsubscribe?",
        "You'll stop getting emails from us.",
        Button($"/api/subscribers/{WebUtility.UrlEncode(id)}/unsubscribe?token={WebUtility.UrlEncode(token ?? "")}", "Unsubscribe"));

    public static ContentHttpResult Unsubscribed(string id, string? token, UnsubscribeOutcome outcome) => outcome switch
    {
        // The way back is here, on a link only the inbox's owner has: the subscribe form never mails an address that left.
        UnsubscribeOutcome.Unsubscribed => Page(200, "You're unsubscribed", "You won't get any more emails from us. Sorry to see you go! Changed your mind?",
            Button($"/api/subscribers/{WebUtility.UrlEncode(id)}/resubscribe?token={WebUtility.UrlEncode(token ?? "")}", "Subscribe again")),
        _ => Page(404, "This link is not valid", "We couldn't find a subscription for this link. Check that you opened the whole link from the email."),
    };

    public static ContentHttpResult Resubscribed(ResubscribeOutcome outcome) => outcome switch
    {
        ResubscribeOutcome.Resubscribed => Page(200, "You're subscribed again", "Welcome back! New posts will arrive in your inbox."),
        ResubscribeOutcome.AlreadySubscribed => Page(200, "Already subscribed", "This address is subscribed. Nothing more to do."),
        _ => Page(404, "This link is not valid", "We couldn't find a subscription for this link. Check that you opened the whole link from the email."),
    };

    public static string FormError(Dictionary<string, string[]> errors) => Html("Please check your subscription",
        string.Join("", errors.Values.SelectMany(v => v).Select(m => $"<p>{WebUtility.HtmlEncode(m)}</p>")),
        """<p><a href="/">Back to the site</a></p>""");

    public const string StylesheetPath = "/api/subscribers/pages.css";

    /// <summary>
    /// The pages' look, as a stylesheet of its own: the site's Content-Security-Policy (style-src 'self') blocks
    /// inline styles, here as on CloudFront.
    /// </summary>
    public const string Stylesheet = """
        body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.6}
        @media (prefers-color-scheme: dark){body{background:#0d1117;color:#e6edf3} a{color:#58a6ff}}
        button{font:inherit;padding:.5rem 1rem;border-radius:.5rem;border:1px solid currentColor;cursor:pointer}
        """;

    /// <summary>A one-button form: state changes only on a POST a person makes, never on opening a link.</summary>
    private static string Button(string action, string label) =>
        $"""<form method="post" action="{WebUtility.HtmlEncode(action)}"><button type="submit">{WebUtility.HtmlEncode(label)}</button></form>""";

    private static ContentHttpResult Page(int status, string title, string message, string extra = """<p><a href="/">Back to the site</a></p>""") =>
        TypedResults.Content(Html(title, $"<p>{WebUtility.HtmlEncode(message)}</p>", extra), "text/html; charset=utf-8", statusCode: status);

    private static string Html(string title, string body, string extra) => $$"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
        <title>{{WebUtility.HtmlEncode(title)}}</title>
        <link rel="stylesheet" href="{{StylesheetPath}}"></head>
        <body><main><h1>{{WebUtility.HtmlEncode(title)}}</h1>{{body}}{{extra}}</main></body>
        </html>
        """;
}
