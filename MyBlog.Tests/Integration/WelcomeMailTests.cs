using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Integration;

[Collection(MyBlogAppCollection.Name)]
public sealed partial class WelcomeMailTests(MyBlogApp app)
{
    [Fact]
    public async Task Subscribe_sends_one_welcome_email_with_one_click_unsubscribe_headers()
    {
        var address = MyBlogApp.NewAddress("welcome");
        var response = await app.SubscribeAsync(new { email = address.ToUpperInvariant(), name = "Ada" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = await app.Mail.WaitForAsync(address);
        Assert.Contains("Welcome to MyBlog", message.Subject);

        var raw = await app.Mail.RawAsync(message.Id);
        Assert.Matches(@"List-Unsubscribe:\s*<http://localhost:8080/api/subscribers/[0-9a-f]{32}/unsubscribe\?token=[^>]+>", raw);
        Assert.Contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click", raw);
        Assert.Contains("Content-Type: multipart/alternative", raw);
        Assert.Contains("Content-Type: text/html", raw);
        Assert.Contains("Content-Type: text/plain", raw);
        Assert.Contains("Hello Ada", raw);
    }

    [Fact]
    public async Task Second_subscribe_of_same_address_answers_the_same_and_sends_no_second_email()
    {
        var address = MyBlogApp.NewAddress("twice");
        var first = await app.SubscribeAsync(new { email = address });
        await app.Mail.WaitForAsync(address);
        var second = await app.SubscribeAsync(new { email = "  " + address.ToUpperInvariant() });

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(await app.Mail.ToAsync(address));
    }

    [Fact]
    public async Task Confirm_link_confirms_once_and_a_forged_token_gets_a_clear_page()
    {
        var address = MyBlogApp.NewAddress("confirm");
        await app.SubscribeAsync(new { email = address });
        var text = await app.Mail.PlainTextAsync((await app.Mail.WaitForAsync(address)).Id);
        var confirm = new Uri(ConfirmLink().Match(text).Value);

        var first = await app.Site.GetAsync(confirm.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("You&#39;re subscribed", await first.Content.ReadAsStringAsync());

        var again = await app.Site.GetAsync(confirm.PathAndQuery);
        Assert.Contains("Already confirmed", await again.Content.ReadAsStringAsync());

        var forged = await app.Site.GetAsync(confirm.AbsolutePath + "?token=forged");
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.StartsWith("text/html", forged.Content.Headers.ContentType!.ToString());
        Assert.Contains("This link is not valid", await forged.Content.ReadAsStringAsync());

        var subscriber = await Store().FindAsync(SubscriberId(address), CancellationToken.None);
        Assert.Equal(SubscriberStatus.Confirmed, subscriber!.Status);
    }

    [Fact]
    public async Task One_click_unsubscribe_from_the_mail_client_unsubscribes()
    {
        var address = MyBlogApp.NewAddress("oneclick");
        await app.SubscribeAsync(new { email = address });
        var raw = await app.Mail.RawAsync((await app.Mail.WaitForAsync(address)).Id);
        var unsubscribe = new Uri(Regex.Match(raw, @"List-Unsubscribe:\s*<([^>]+)>").Groups[1].Value);

        // What Gmail and others send per RFC 8058.
        var response = await app.Site.PostAsync(unsubscribe.PathAndQuery,
            new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var subscriber = await Store().FindAsync(SubscriberId(address), CancellationToken.None);
        Assert.Equal(SubscriberStatus.Unsubscribed, subscriber!.Status);
    }

    [Fact]
    public async Task Unsubscribe_link_in_a_browser_asks_first_then_unsubscribes_and_confirm_no_longer_works()
    {
        var address = MyBlogApp.NewAddress("browser");
        await app.SubscribeAsync(new { email = address });
        var text = await app.Mail.PlainTextAsync((await app.Mail.WaitForAsync(address)).Id);
        var unsubscribe = new Uri(UnsubscribeLink().Match(text).Value);
        var confirm = new Uri(ConfirmLink().Match(text).Value);

        var page = await app.Site.GetStringAsync(unsubscribe.PathAndQuery);
        Assert.Contains("<form method=\"post\"", page);
        Assert.Equal(SubscriberStatus.Pending, (await Store().FindAsync(SubscriberId(address), CancellationToken.None))!.Status);

        var action = WebUtility.HtmlDecode(Regex.Match(page, "action=\"([^\"]+)\"").Groups[1].Value);
        var done = await app.Site.PostAsync(action, null);
        Assert.Contains("You&#39;re unsubscribed", await done.Content.ReadAsStringAsync());
        Assert.Equal(SubscriberStatus.Unsubscribed, (await Store().FindAsync(SubscriberId(address), CancellationToken.None))!.Status);

        var confirmAfter = await app.Site.GetAsync(confirm.PathAndQuery);
        Assert.Contains("You have unsubscribed", await confirmAfter.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task With_smtp_down_the_email_is_retried_and_arrives_once_smtp_is_back()
    {
        var address = MyBlogApp.NewAddress("smtpdown");
        await app.StopAsync("smtp4dev");
        try
        {
            var response = await app.SubscribeAsync(new { email = address });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        finally
        {
            await app.StartAsync("smtp4dev");
        }

        await app.Mail.WaitForAsync(address, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(await app.Mail.ToAsync(address));
        var subscriber = await Store().FindAsync(SubscriberId(address), CancellationToken.None);
        Assert.NotNull(subscriber!.WelcomeSentAt);
    }

    private SubscriberStore Store() => new(app.DynamoDb(), Microsoft.Extensions.Options.Options.Create(new MyBlog.Core.MyBlogOptions()), TimeProvider.System);

    private static string SubscriberId(string address)
    {
        EmailAddress.TryParse(address, out var email, out _);
        return SubscriberKeys.IdFor(email!);
    }

    [GeneratedRegex(@"http://localhost:8080/api/subscribers/[0-9a-f]{32}/confirm\?token=[A-Za-z0-9_%-]+")]
    private static partial Regex ConfirmLink();

    [GeneratedRegex(@"http://localhost:8080/api/subscribers/[0-9a-f]{32}/unsubscribe\?token=[A-Za-z0-9_%-]+")]
    private static partial Regex UnsubscribeLink();
}
