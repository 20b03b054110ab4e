using MimeKit;
using MyBlog.Core;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Mail;

namespace MyBlog.Tests.Unit;

public sealed class WelcomeEmailTests
{
    private static readonly MyBlogOptions Site = new() { SiteName = "Ada's Notes", SiteUrl = "https://notes.example.com" };
    private static readonly MailboxAddress From = new("Ada's Notes", "hello@notes.example.com");

    private static WelcomeClaim Claim(string? name = "Grace") => new(
        new Subscriber("0123456789abcdef0123456789abcdef", "grace@example.com", name, SubscriberStatus.Pending, DateTimeOffset.UtcNow, null),
        ClaimedAt: DateTimeOffset.UtcNow, LeaseUntil: 0, ConfirmToken: "confirm-token_1", UnsubscribeToken: "unsub-token_2", TraceParent: null);

    [Fact]
    public void Has_one_click_unsubscribe_headers_per_RFC_8058()
    {
        var message = WelcomeEmail.Create(Site, From, Claim());
        Assert.Equal(
            "<https://notes.example.com/api/subscribers/0123456789abcdef0123456789abcdef/unsubscribe?token=unsub-token_2>",
            message.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public void Html_and_text_both_carry_the_site_name_and_both_links()
    {
        var message = WelcomeEmail.Create(Site, From, Claim());
        var confirm = "https://notes.example.com/api/subscribers/0123456789abcdef0123456789abcdef/confirm?token=confirm-token_1";
        var unsubscribe = "https://notes.example.com/api/subscribers/0123456789abcdef0123456789abcdef/unsubscribe?token=unsub-token_2";

        Assert.Contains("Ada's Notes", message.TextBody);
        Assert.Contains(confirm, message.TextBody);
        Assert.Contains(unsubscribe, message.TextBody);
        Assert.StartsWith("Hello,", message.TextBody!.TrimStart());

        Assert.Contains("Ada&#39;s Notes", message.HtmlBody);
        Assert.Contains(confirm, message.HtmlBody);
        Assert.Contains(unsubscribe, message.HtmlBody);
        Assert.Contains("Welcome to Ada's Notes", message.Subject);
    }

    [Fact]
    public void Nothing_a_stranger_typed_goes_into_the_welcome()
    {
        // The address is not confirmed: the name is whoever typed it, and the email goes to any address.
        var message = WelcomeEmail.Create(Site, From, Claim("Claim your prize at evil.example <script>"));
        Assert.DoesNotContain("prize", message.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("prize", message.TextBody, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("", message.To.Mailboxes.Single().Name);
    }

    [Fact]
    public void Without_a_name_the_greeting_is_plain()
    {
        var message = WelcomeEmail.Create(Site, From, Claim(name: null));
        Assert.StartsWith("Hello,", message.TextBody!.TrimStart());
        Assert.Equal("grace@example.com", message.To.Mailboxes.Single().Address);
    }
}
