using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Integration;

[Collection(TestTopologyCollection.Name)]
public sealed partial class WelcomeMailTests(TestTopology app)
{
    [Fact]
    public async Task Subscribe_sends_one_welcome_email_with_one_click_unsubscribe_headers()
    {
        var address = TestTopology.NewAddress("welcome");
        var response = await app.SubscribeAsync(new { email = address.ToUpperInvariant(), name = "Ada" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = await app.Mail.WaitForAsync(address);
        // "Welcome to <the site's title>": the title is the settings' (another test may be renaming the site).
        Assert.Matches("^Welcome to .+ — please confirm your subscription$", message.Subject);

        var raw = await app.Mail.RawAsync(message.Id);
        Assert.Matches(@"List-Unsubscribe:\s*<http://localhost:8080/api/subscribers/[0-9a-f]{32}/unsubscribe\?token=[^>]+>", raw);
        Assert.Contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click", raw);
        Assert.Contains("Content-Type: multipart/alternative", raw);
        Assert.Contains("Content-Type: text/html", raw);
        Assert.Contains("Content-Type: text/plain", raw);
        Assert.DoesNotContain("Ada", raw); // a name typed with an unconfirmed address is never printed
    }

    [Fact]
    public async Task Second_subscribe_of_same_address_answers_the_same_and_sends_no_second_email()
    {
        var address = TestTopology.NewAddress("twice");
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
    public async Task Opening_the_confirm_link_only_shows_a_button_which_confirms_once_and_a_forged_token_gets_a_clear_page()
    {
        var address = TestTopology.NewAddress("confirm");
        await app.SubscribeAsync(new { email = address });
        var text = await app.Mail.PlainTextAsync((await app.Mail.WaitForAsync(address)).Id);
        var confirm = TestTopology.ConfirmLinkIn(text);

        // A mail scanner following the link confirms nothing.
        var page = await app.Site.GetAsync(confirm.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Confirm my subscription</button>", html);
        Assert.Equal(SubscriberStatus.Pending, (await app.Subscribers().FindAsync(TestTopology.SubscriberId(address), CancellationToken.None))!.Status);

        var confirmed = await app.Site.PostAsync(FormAction(html), null);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("You&#39;re subscribed", await confirmed.Content.ReadAsStringAsync());
        Assert.Equal(SubscriberStatus.Confirmed, (await app.Subscribers().FindAsync(TestTopology.SubscriberId(address), CancellationToken.None))!.Status);

        var again = await app.Site.GetAsync(confirm.PathAndQuery);
        Assert.Contains("Already confirmed", await again.Content.ReadAsStringAsync());

        var forged = await app.Site.GetAsync(confirm.AbsolutePath + "?token=forged");
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.StartsWith("text/html", forged.Content.Headers.ContentType!.ToString());
        Assert.Contains("This link is not valid", await forged.Content.ReadAsStringAsync());
        var forgedPost = await app.Site.PostAsync(confirm.AbsolutePath + "?token=forged", null);
        Assert.Equal(HttpStatusCode.NotFound, forgedPost.StatusCode);
    }

    [Fact]
    public async Task After_unsubscribing_the_form_mails_nothing_and_the_unsubscribe_page_brings_the_reader_back()
    {
        var address = TestTopology.NewAddress("again");
        await app.SubscribeAsync(new { email = address });
        var first = await app.Mail.PlainTextAsync((await app.Mail.WaitForAsync(address)).Id);
        var unsubscribe = new Uri(UnsubscribeLink().Match(first).Value);
        using var unsubscribed = await app.Site.PostAsync(unsubscribe.PathAndQuery, null);
        var page = await unsubscribed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, unsubscribed.StatusCode);

        // Anyone can type the address into the form, again and again: it never mails an address that left.
        await Task.Delay(TestTopology.ResendInterval + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubscribeAsync(new { email = address })).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(await app.Mail.ToAsync(address));
        Assert.Equal(SubscriberStatus.Unsubscribed, (await app.Subscribers().FindAsync(TestTopology.SubscriberId(address), CancellationToken.None))!.Status);

        // The way back is on the page only the inbox's owner reaches: a button that subscribes again, confirmed.
        var resubscribe = System.Text.RegularExpressions.Regex.Match(page, "action=\"([^\"]*/resubscribe\\?token=[^\"]*)\"").Groups[1].Value;
        using var back = await app.Site.PostAsync(System.Net.WebUtility.HtmlDecode(resubscribe), null);
        Assert.Contains("subscribed again", await back.Content.ReadAsStringAsync());
        Assert.Equal(SubscriberStatus.Confirmed, (await app.Subscribers().FindAsync(TestTopology.SubscriberId(address), CancellationToken.None))!.Status);
        Assert.Single(await app.Mail.ToAsync(address));
    }

    [Fact]
    public async Task Subscribing_again_while_unconfirmed_sends_a_fresh_welcome_but_never_two_within_the_interval()
    {
        var address = TestTopology.NewAddress("lost");
        await app.SubscribeAsync(new { email = address });
        await app.Mail.WaitForAsync(address);
        var armedAt = DateTime.UtcNow;

        Assert.Equal(HttpStatusCode.Accepted, (await app.SubscribeAsync(new { email = address })).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(await app.Mail.ToAsync(address)); // the form cannot mail-bomb anyone

        await Task.Delay(TestTopology.ResendInterval - (DateTime.UtcNow - armedAt) + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubscribeAsync(new { email = address })).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await app.Mail.ToAsync(address)).Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        var messages = await app.Mail.ToAsync(address);
        Assert.Equal(2, messages.Count);
        Assert.Equal(SubscriberStatus.Pending, (await app.Subscribers().FindAsync(TestTopology.SubscriberId(address), CancellationToken.None))!.Status);

        // The newest email's link works; the first one's tokens were replaced.
        var texts = await Task.WhenAll(messages.Select(m => app.Mail.PlainTextAsync(m.Id)));
        var links = texts.Select(t => TestTopology.ConfirmLinkIn(t).PathAndQuery).ToList();
        var pages = await Task.WhenAll(links.Select(async l => await (await app.Site.GetAsync(l)).Content.ReadAsStringAsync()));
        Assert.Single(pages, p => p.Contains("Confirm my subscription</button>", StringComparison.Ordinal));
        Assert.Single(pages, p => p.Contains("This link is not valid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_expired_confirm_link_offers_a_new_one_which_arrives()
    {
        var address = TestTopology.NewAddress("expired");
        await app.SubscribeAsync(new { email = address });
        var text = await app.Mail.PlainTextAsync((await app.Mail.WaitForAsync(address)).Id);
        var confirm = TestTopology.ConfirmLinkIn(text);
        var armedAt = DateTime.UtcNow;
        using var dynamo = app.DynamoDb();
        await dynamo.UpdateItemAsync(new Amazon.DynamoDBv2.Model.UpdateItemRequest
        {
            TableName = "myblog",
            Key = new()
            {
                ["pk"] = new() { S = SubscriberKeys.PartitionKey(TestTopology.SubscriberId(address)) },
                ["sk"] = new() { S = SubscriberKeys.ProfileSortKey },
            },
            UpdateExpression = "SET confirmTokenExpiresAt = :past",
            ExpressionAttributeValues = new() { [":past"] = new() { N = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) } },
        });

        var page = await app.Site.GetAsync(confirm.PathAndQuery);
        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Send me a new link</button>", html);
        Assert.Equal(HttpStatusCode.Gone, (await app.Site.PostAsync(confirm.PathAndQuery, null)).StatusCode); // confirms nothing

        await Task.Delay(TestTopology.ResendInterval - (DateTime.UtcNow - armedAt) + TimeSpan.FromSeconds(1));
        var resent = await app.Site.PostAsync(FormAction(html), null);
        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        Assert.Contains("Check your inbox", await resent.Content.ReadAsStringAsync());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await app.Mail.ToAsync(address)).Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Equal(2, (await app.Mail.ToAsync(address)).Count);
    }

    [Fact]
    public async Task One_click_unsubscribe_from_the_mail_client_unsubscribes()
    {
        var address = TestTopology.NewAddress("oneclick");
        await app.SubscribeAsync(new { email = address });
        var raw = await app.Mail.RawAsync((await app.Mail.WaitForAsync(address)).Id);
        var unsubscribe = new Uri(Regex.Match(raw, @"List-Unsubscribe:\s*<([^>]+)>").Groups[1].Value);

        // What Gmail and others send per RFC 8058.
        var response = await app.Site.PostAsync(unsubscribe.PathAndQuery,
            new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var subscriber = await app.Subscribers().FindAsync(TestTopology.SubscriberId(address), CancellationToken.None);
        Assert.Equal(SubscriberStatus.Unsubscribed, subscriber!.Status);
    }

    [Fact]
    public async Task Unsubscribe_link_in_a_browser_asks_first_then_unsubscribes_and_confirm_no_longer_works()
    {
        var address = TestTopology.NewAddress("browser");
        await app.SubscribeAsync(new { email = address });
        var text = await app.Mail.PlainTextAsync((await app.Mail.WaitForAsync(address)).Id);
        var unsubscribe = new Uri(UnsubscribeLink().Match(text).Value);
        var confirm = TestTopology.ConfirmLinkIn(text);

        var page = await app.Site.GetStringAsync(unsubscribe.PathAndQuery);
        Assert.Contains("<form method=\"post\"", page);
        Assert.Equal(SubscriberStatus.Pending, (await app.Subscribers().FindAsync(TestTopology.SubscriberId(address), CancellationToken.None))!.Status);

        var done = await app.Site.PostAsync(FormAction(page), null);
        Assert.Contains("You&#39;re unsubscribed", await done.Content.ReadAsStringAsync());
        Assert.Equal(SubscriberStatus.Unsubscribed, (await app.Subscribers().FindAsync(TestTopology.SubscriberId(address), CancellationToken.None))!.Status);

        var confirmAfter = await app.Site.GetAsync(confirm.PathAndQuery);
        Assert.Contains("You have unsubscribed", await confirmAfter.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task With_smtp_down_the_email_is_retried_and_arrives_once_smtp_is_back()
    {
        var address = TestTopology.NewAddress("smtpdown");
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
        var subscriber = await app.Subscribers().FindAsync(TestTopology.SubscriberId(address), CancellationToken.None);
        Assert.NotNull(subscriber!.WelcomeSentAt);
    }

    private static string FormAction(string html) => WebUtility.HtmlDecode(Regex.Match(html, "action=\"([^\"]+)\"").Groups[1].Value);


    [GeneratedRegex(@"http://localhost:8080/api/subscribers/[0-9a-f]{32}/unsubscribe\?token=[A-Za-z0-9_%-]+")]
    private static partial Regex UnsubscribeLink();
}
