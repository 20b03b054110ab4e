using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The newsletter on the whole topology: a post's first publication → its job (same transaction) → the stream →
/// the planner → the newsletter queue (LocalAws, through the SQS client) → the sender → smtp4dev. The table is
/// shared with every other test, so each test reads only its own subscribers' mail, by the post's unique title.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed partial class NewsletterTests(TestTopology app)
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Publishing_mails_each_confirmed_subscriber_once_with_their_own_unsubscribe_and_nothing_sends_it_again()
    {
        var confirmed = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => ConfirmedAsync($"news{i}")));
        var pending = await PendingAsync("news-pending");
        var unsubscribed = await UnsubscribedAsync("news-left");
        var (slug, title) = await CreatePostAsync("""
            Some **bold** words and [a link](/about/).

            ```csharp
            Console.WriteLine("a long line of code that a mail client should wrap instead of widening the whole message");
            ```

            <script>alert(1)</script>
            """);

        var published = await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish", ifMatch: "\"v1\"");
        Assert.True(published.GetProperty("sendEmail").GetBoolean());
        var counts = await WaitForTitleAsync(title, confirmed);
        Assert.All(confirmed, a => Assert.Equal(1, counts[a]));
        var job = await WaitForJobAsync(slug, "sent");
        Assert.True(job.GetProperty("sent").GetInt32() >= 3, job.ToString());
        Assert.Equal(job.GetProperty("recipients").GetInt32(),
            job.GetProperty("sent").GetInt32() + job.GetProperty("failed").GetInt32() + job.GetProperty("skipped").GetInt32());

        // Each copy carries its reader's own one-click unsubscribe, the list headers, and mail-ready HTML.
        var raws = await Task.WhenAll(confirmed.Select(async a => await app.Mail.RawAsync((await MessagesAsync(a, title)).Single().Id)));
        var links = raws.Select(r => new Uri(ListUnsubscribe().Match(r).Groups[1].Value)).ToList();
        for (var i = 0; i < confirmed.Length; i++)
        {
            Assert.Contains($"/api/subscribers/{TestTopology.SubscriberId(confirmed[i])}/unsubscribe?token=", links[i].PathAndQuery);
            Assert.Contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click", raws[i]);
            Assert.Matches(@"List-Id: .*<posts\.localhost>", raws[i]);
        }
        var html = await HtmlOfAsync(confirmed[0], title);
        Assert.Contains("href=\"http://localhost:8080/about/\"", html);
        Assert.Contains($"http://localhost:8080/posts/{slug}/", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("white-space:pre-wrap", html);
        var text = await app.Mail.PlainTextAsync((await MessagesAsync(confirmed[0], title)).Single().Id);
        Assert.Contains($"Read on the site: http://localhost:8080/posts/{slug}/", text);

        // Nobody else's token works for an id: the second reader's link cannot unsubscribe the first.
        var forged = links[1].PathAndQuery.Replace(TestTopology.SubscriberId(confirmed[1]), TestTopology.SubscriberId(confirmed[0]));
        await app.Site.PostAsync(forged, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(SubscriberStatus.Confirmed, (await FindAsync(confirmed[0]))!.Status);
        using var oneClick = await app.Site.PostAsync(links[0].PathAndQuery, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Equal(SubscriberStatus.Unsubscribed, (await FindAsync(confirmed[0]))!.Status);

        // An edit, an unpublish and a republish, and a batch delivered again: nobody gets it twice.
        var post = await app.AdminAsync(HttpMethod.Get, $"/api/admin/posts/{slug}");
        var version = post.GetProperty("version").GetInt32();
        await app.AdminAsync(HttpMethod.Put, $"/api/admin/posts/{slug}",
            new { title, markdown = "Edited.", tags = Array.Empty<string>(), version });
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/unpublish", ifMatch: $"\"v{version + 1}\"");
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish", ifMatch: $"\"v{version + 2}\"");
        var ids = confirmed.Skip(1).Select(TestTopology.SubscriberId).ToList();
        using var again = await app.LocalAws.PostAsync($"/queues/{AwsFunctions.NewsletterQueue}/messages",
            new StringContent(new NewsletterBatch(slug, ids).ToJson()));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        await WaitForQueueEmptyAsync();
        var after = await CountsAsync(title, [.. confirmed, pending, unsubscribed]);
        Assert.All(confirmed, a => Assert.Equal(1, after[a]));
        Assert.Equal(0, after[pending]);
        Assert.Equal(0, after[unsubscribed]);
    }

    [Fact]
    public async Task Publishing_without_sending_mails_nobody_and_has_no_job()
    {
        var reader = await ConfirmedAsync("news-quiet");
        var (slug, title) = await CreatePostAsync("Quiet.");

        var published = await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");
        Assert.False(published.GetProperty("sendEmail").GetBoolean());
        // Published later with sending asked for: still no email, the first publication decided.
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/unpublish", ifMatch: "\"v2\"");
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=true", ifMatch: "\"v3\"");

        await Task.Delay(TimeSpan.FromSeconds(3));
        await WaitForQueueEmptyAsync();
        Assert.Equal(0, (await CountsAsync(title, [reader]))[reader]);
        using var job = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, $"/api/admin/posts/{slug}/newsletter"));
        Assert.Equal(HttpStatusCode.NotFound, job.StatusCode);
        Assert.Equal("application/problem+json", job.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_bounce_or_complaint_from_SES_stops_all_mail_to_that_address()
    {
        var bounced = await ConfirmedAsync("news-bounced");
        var complained = await ConfirmedAsync("news-complained");
        var transient = await ConfirmedAsync("news-full-mailbox");

        await FeedbackAsync($$$"""{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"{{{bounced}}}","diagnosticCode":"smtp; 550 5.1.1 user unknown"}]},"mail":{"messageId":"m1"}}""");
        await FeedbackAsync($$$"""{"notificationType":"Complaint","complaint":{"complaintFeedbackType":"abuse","complainedRecipients":[{"emailAddress":"{{{complained}}}"}]},"mail":{"messageId":"m2"}}""");
        await FeedbackAsync($$$"""{"eventType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull","bouncedRecipients":[{"emailAddress":"{{{transient}}}"}]},"mail":{"messageId":"m3"}}""");
        Assert.StartsWith("bounced", (await FindAsync(bounced))!.MailBlocked);
        Assert.StartsWith("complained", (await FindAsync(complained))!.MailBlocked);
        Assert.Null((await FindAsync(transient))!.MailBlocked);

        var (slug, title) = await CreatePostAsync("For the readers who still read.");
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish", ifMatch: "\"v1\"");
        await WaitForTitleAsync(title, [transient]);
        await WaitForJobAsync(slug, "sent");
        var counts = await CountsAsync(title, [bounced, complained, transient]);
        Assert.Equal((0, 0, 1), (counts[bounced], counts[complained], counts[transient]));
    }

    [Fact]
    public async Task The_author_can_mail_a_test_copy_to_the_sender_address_first()
    {
        var (slug, title) = await CreatePostAsync("A draft worth checking.");
        var queued = await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/newsletter/test");
        Assert.Contains("test copy", queued.GetProperty("message").GetString());
        var deadline = DateTime.UtcNow + Delivery;
        while ((await MessagesAsync("hello@myblog.local", "[Test] " + title)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        Assert.Single(await MessagesAsync("hello@myblog.local", "[Test] " + title));
        // A draft's test copy creates no job and mails no subscriber.
        using var job = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, $"/api/admin/posts/{slug}/newsletter"));
        Assert.Equal(HttpStatusCode.NotFound, job.StatusCode);
    }

    private async Task<(string Slug, string Title)> CreatePostAsync(string markdown)
    {
        var title = $"Newsletter {Guid.NewGuid():N}";
        var post = await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title, markdown, tags = new[] { "news" } });
        return (post.GetProperty("slug").GetString()!, title);
    }

    private async Task<string> PendingAsync(string label)
    {
        var address = TestTopology.NewAddress(label);
        await app.SubscribeAsync(new { email = address });
        await app.Mail.WaitForAsync(address);
        return address;
    }

    private async Task<string> ConfirmedAsync(string label)
    {
        var address = await PendingAsync(label);
        var text = await app.Mail.PlainTextAsync((await app.Mail.WaitForAsync(address)).Id);
        using var confirmed = await app.Site.PostAsync(TestTopology.ConfirmLinkIn(text).PathAndQuery, null);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        return address;
    }

    private async Task<string> UnsubscribedAsync(string label)
    {
        var address = await ConfirmedAsync(label);
        var raw = await app.Mail.RawAsync((await app.Mail.WaitForAsync(address)).Id);
        var unsubscribe = new Uri(ListUnsubscribe().Match(raw).Groups[1].Value);
        using var left = await app.Site.PostAsync(unsubscribe.PathAndQuery, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(SubscriberStatus.Unsubscribed, (await FindAsync(address))!.Status);
        return address;
    }

    private Task<Subscriber?> FindAsync(string address) => app.Subscribers().FindAsync(TestTopology.SubscriberId(address), CancellationToken.None);

    private async Task FeedbackAsync(string sesNotification)
    {
        var snsEvent = new SnsEvent([new SnsRecord("aws:sns", "1.0", "arn:aws:sns:us-east-1:123456789012:myblog-mail-feedback:1",
            new SnsMessage("Notification", Guid.NewGuid().ToString(), "arn:aws:sns:us-east-1:123456789012:myblog-mail-feedback", null, sesNotification, "2026-11-29T00:00:00.000Z"))]);
        using var response = await app.Workers.PostAsync(AwsFunctions.MailFeedback.Path,
            new StringContent(LambdaEvents.Serialize(snsEvent), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<IReadOnlyList<MailSink.Message>> MessagesAsync(string address, string subject) =>
        (await app.Mail.ToAsync(address)).Where(m => m.Subject == subject).ToList();

    private Task<Dictionary<string, int>> CountsAsync(string subject, IEnumerable<string> addresses) => app.Mail.SubjectCountsAsync(subject, addresses);

    private Task<Dictionary<string, int>> WaitForTitleAsync(string subject, IReadOnlyCollection<string> addresses) =>
        app.Mail.WaitForSubjectAsync(subject, addresses, Delivery);

    private async Task<JsonElement> WaitForJobAsync(string slug, string status)
    {
        var deadline = DateTime.UtcNow + Delivery;
        while (true)
        {
            using var response = await app.Site.SendAsync(TestTopology.AdminRequest(HttpMethod.Get, $"/api/admin/posts/{slug}/newsletter"));
            var job = response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement : default;
            if (job.ValueKind == JsonValueKind.Object && job.GetProperty("status").GetString() == status)
            {
                return job;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The newsletter of {slug} did not reach '{status}': {job}");
            await Task.Delay(250);
        }
    }

    /// <summary>Waits until the newsletter queue has nothing visible or in flight (the sender has answered every batch).</summary>
    private async Task WaitForQueueEmptyAsync()
    {
        var deadline = DateTime.UtcNow + Delivery;
        while (DateTime.UtcNow < deadline)
        {
            var queues = await app.LocalAws.GetFromJsonAsync<JsonElement>("/queues");
            var newsletter = queues.EnumerateArray().Single(q => q.GetProperty("subscription").GetString() == AwsFunctions.NewsletterQueue);
            if (newsletter.GetProperty("visible").GetInt32() == 0 && newsletter.GetProperty("inFlight").GetInt32() == 0)
            {
                await Task.Delay(500); // the last answer's sends are recorded just before it is deleted
                return;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("The newsletter queue did not drain");
    }

    private async Task<string> HtmlOfAsync(string address, string subject)
    {
        var id = (await MessagesAsync(address, subject)).Single().Id;
        return await app.Mail.HtmlAsync(id);
    }

    [GeneratedRegex(@"List-Unsubscribe:\s*<([^>]+)>")]
    private static partial Regex ListUnsubscribe();
}
