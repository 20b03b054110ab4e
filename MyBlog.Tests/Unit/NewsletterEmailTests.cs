using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Unit;

/// <summary>A post made fit for mail clients, and the signed unsubscribe links each copy carries.</summary>
public sealed class NewsletterEmailTests
{
    private static readonly MyBlogOptions Site = new() { SiteName = "Ada's Notes", SiteUrl = "https://blog.example.com" };
    private const string PhotoId = "0123456789abcdef0123456789abcdef";

    private static Post Post(string markdown, string? cover = null) => new("hello", "Hello & welcome", markdown, ["news"], null,
        PostStatus.Published, 2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch) { CoverPhotoId = cover };

    private static readonly Dictionary<string, PhotoImage> Photos = new() { [PhotoId] = new PhotoImage(PhotoId, 4000, 3000, [320, 640, 960, 1280, 1920]) };

    private static MimeMessage Create(Post post) => NewsletterEmail.Create(Site, new MailboxAddress("Ada", "ada@example.com"), post, Photos,
        new NewsletterRecipient("reader@example.org", "Grace", new Uri("https://blog.example.com/api/subscribers/abc/unsubscribe?token=t")));

    [Fact]
    public void Photos_become_one_absolute_JPEG_at_twice_the_column_and_links_become_absolute()
    {
        var html = NewsletterEmail.MailHtml(Site, Post($"![A beach](/media/{PhotoId}/1280.jpg)\n\n[About](/about/) and [mail](mailto:a@b.c) and [anchor](#top)"), Photos);
        Assert.Contains($"src=\"https://blog.example.com/media/{PhotoId}/960.jpg\"", html);
        Assert.Contains("width=\"600\" height=\"450\"", html);
        Assert.DoesNotContain("srcset", html);
        Assert.DoesNotContain("<picture", html);
        Assert.DoesNotContain("webp", html);
        Assert.Contains("href=\"https://blog.example.com/about/\"", html);
        Assert.Contains("href=\"mailto:a@b.c\"", html);
        Assert.DoesNotContain("href=\"#top\"", html);
    }

    [Fact]
    public void Nothing_that_runs_or_embeds_survives_and_every_block_is_styled_inline()
    {
        var html = NewsletterEmail.MailHtml(Site, Post("""
            <script>alert(1)</script><iframe src="https://evil.example"></iframe><p onclick="x()" class="c">Raw</p>

            > quoted

            ```
            code that is long enough to need wrapping in a narrow mail client window
            ```
            """), Photos);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onclick", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("class=", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<blockquote style=\"", html);
        Assert.Contains("white-space:pre-wrap", html);
    }

    [Fact]
    public void The_message_has_the_list_headers_the_reader_s_own_unsubscribe_a_cover_and_a_text_part()
    {
        var message = Create(Post("First paragraph with [a link](/about/).\n\n- one\n- two", cover: PhotoId));
        Assert.Equal("Hello & welcome", message.Subject);
        Assert.Equal("<https://blog.example.com/api/subscribers/abc/unsubscribe?token=t>", message.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Equal("Ada's Notes <posts.blog.example.com>", message.Headers["List-Id"]);
        Assert.Equal("reader@example.org", ((MailboxAddress)message.To.Single()).Address);
        Assert.Contains("Hello &amp; welcome", message.HtmlBody);
        Assert.Contains($"https://blog.example.com/media/{PhotoId}/960.jpg", message.HtmlBody);
        Assert.Contains("https://blog.example.com/posts/hello/", message.HtmlBody);
        var text = message.TextBody;
        Assert.Contains("First paragraph with a link (https://blog.example.com/about/).", text);
        Assert.Contains("- one", text);
        Assert.Contains("Read on the site: https://blog.example.com/posts/hello/", text);
        Assert.Contains("Unsubscribe: https://blog.example.com/api/subscribers/abc/unsubscribe?token=t", text);
    }

    private static SubscriberLinks Links(FakeTimeProvider time, string key, params string[] previous) =>
        new(Options.Create(new SubscriberLinkOptions { LinkKey = key, PreviousLinkKeys = [.. previous] }), time);

    [Fact]
    public void A_signed_unsubscribe_token_belongs_to_one_subscriber_one_subscription_and_a_key_it_names()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (one, two) = ("key-one-0123456789abcdef0123456789abcdef", "key-two-0123456789abcdef0123456789abcdef");
        var links = Links(time, one);
        var (a, b) = (new string('a', 32), new string('b', 32));
        var token = links.UnsubscribeToken(a, generation: 3);

        Assert.Equal(3, links.VerifyUnsubscribeToken(a, token));
        Assert.Null(links.VerifyUnsubscribeToken(b, token));
        Assert.Null(Links(time, two).VerifyUnsubscribeToken(a, token));
        // Rotated: the new key signs, links signed with the previous one keep working.
        Assert.Equal(3, Links(time, two, one).VerifyUnsubscribeToken(a, token));
        Assert.Null(links.VerifyUnsubscribeToken(a, token[..^2]));
        Assert.Null(links.VerifyUnsubscribeToken(a, null));
        Assert.Null(links.VerifyUnsubscribeToken("not-an-id", links.UnsubscribeToken("not-an-id", 0)));
        Assert.Null(links.VerifyUnsubscribeToken(a, new string('A', 5000)));
        var tampered = System.Buffers.Text.Base64Url.DecodeFromChars(token);
        tampered[12] ^= 1; // another subscription
        Assert.Null(links.VerifyUnsubscribeToken(a, System.Buffers.Text.Base64Url.EncodeToString(tampered)));

        time.Advance(SubscriberLinks.Lifetime + TimeSpan.FromDays(1));
        Assert.Null(links.VerifyUnsubscribeToken(a, token));
    }

    [Fact]
    public void An_unsubscribe_link_from_before_tokens_had_a_version_still_works_for_the_subscription_it_was_made_for()
    {
        var key = "key-one-0123456789abcdef0123456789abcdef";
        var a = new string('a', 32);
        // The first form: the signature alone, HMAC-SHA256(key, "unsubscribe:" + id).
        var legacy = System.Buffers.Text.Base64Url.EncodeToString(
            System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes("unsubscribe:" + a)));

        Assert.Equal(0, Links(new FakeTimeProvider(), key).VerifyUnsubscribeToken(a, legacy));
    }
}
