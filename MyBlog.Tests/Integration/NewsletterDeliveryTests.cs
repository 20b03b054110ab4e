using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MyBlog.Core;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Subscribers;
using MyBlog.Tests.Support;
using MyBlog.Workers.Mail;
using MyBlog.Workers.Newsletter;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The newsletter's guarantees step by step, with time under the test's control: the real stores on DynamoDB Local
/// (a table of the test's own, which no stream consumer reads), the real planner, sender and SMTP sender, a real
/// SMTP server in the process, and a stand-in for SQS that records what the planner queues.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class NewsletterDeliveryTests(TestTopology app) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly TestSmtpServer _smtp = new();
    private readonly NewsletterOptions _options = new() { QueueUrl = "http://127.0.0.1/000000000000/myblog-newsletter", Lease = TimeSpan.FromMinutes(2) };
    private readonly List<NewsletterBatch> _queued = [];
    private IsolatedStorage _storage = null!;
    private SubscriberStore _subscribers = null!;
    private NewsletterStore _jobs = null!;
    private PostStore _posts = null!;
    private LocalHttpServer _sqs = null!;

    public async Task InitializeAsync()
    {
        _storage = await IsolatedStorage.CreateAsync(app);
        _subscribers = new SubscriberStore(_storage.Dynamo, TestTopology.Ids, _storage.Site, Options.Create(new WelcomeOptions()), _time);
        _jobs = new NewsletterStore(_storage.Dynamo, _storage.Site, _time);
        _posts = new PostStore(_storage.Dynamo, _storage.Site, _time);
        _sqs = new LocalHttpServer(async context =>
        {
            var request = (await JsonNode.ParseAsync(context.Request.InputStream))!;
            var entries = request["Entries"]!.AsArray();
            lock (_queued)
            {
                _queued.AddRange(entries.Select(e => NewsletterBatch.TryParse(e!["MessageBody"]!.GetValue<string>())!));
            }
            var answer = new JsonObject
            {
                ["Successful"] = new JsonArray(entries.Select(e => (JsonNode)new JsonObject
                {
                    ["Id"] = e!["Id"]!.GetValue<string>(),
                    ["MessageId"] = Guid.NewGuid().ToString(),
                    ["MD5OfMessageBody"] = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(e["MessageBody"]!.GetValue<string>()))),
                }).ToArray()),
                ["Failed"] = new JsonArray(),
            };
            context.Response.ContentType = "application/x-amz-json-1.0";
            await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(answer.ToJsonString()));
        });
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        _sqs.Dispose();
        _smtp.Dispose();
    }

    private NewsletterPlanner Planner() => new(_jobs, _subscribers,
        new AmazonSQSClient(new Amazon.Runtime.BasicAWSCredentials("test", "test"), new AmazonSQSConfig { ServiceURL = _sqs.Url, AuthenticationRegion = "us-east-1" }),
        Options.Create(_options), _time, NullLogger<NewsletterPlanner>.Instance);

    private NewsletterSender Sender(IMailSender? mail = null) => new(_jobs, _subscribers,
        new SubscriberLinks(Options.Create(TestTopology.Links), _time),
        _posts, new PhotoStore(_storage.Dynamo, _storage.Site, _time), mail ?? TestSmtpServer.SenderTo(_smtp.SesPort, _time),
        TestSmtpServer.From, _storage.Site, Options.Create(_options), _time, NullLogger<NewsletterSender>.Instance,
        new MyBlog.Core.Settings.SettingsStore(_storage.Dynamo, _storage.Site));

    private async Task<string> SubscriberAsync(string address, SubscriberStatus status = SubscriberStatus.Confirmed)
    {
        EmailAddress.TryParse(address, out var email, out _);
        await _subscribers.AddAsync(new NewSubscriber(email!, null), null, default);
        var id = TestTopology.Ids.IdFor(email!);
        await _storage.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _storage.Name,
            Key = new() { ["pk"] = new AttributeValue(SubscriberKeys.PartitionKey(id)), ["sk"] = new AttributeValue(SubscriberKeys.ProfileSortKey) },
            UpdateExpression = "SET #s = :s",
            ExpressionAttributeNames = new() { ["#s"] = "status" },
            ExpressionAttributeValues = new() { [":s"] = new AttributeValue(status.ToString().ToLowerInvariant()) },
        });
        return id;
    }

    /// <summary>A post published for the first time with email: its job exists, as the API's publish leaves it. Returns the job.</summary>
    private async Task<string> PublishedAsync(string title = "A post for the readers")
    {
        new PostInput(title, "Hello, readers.", [], null).TryValidate(out var valid, out _);
        var post = await _posts.CreateAsync(valid, null, default);
        await _posts.SetStatusAsync(post.Slug, PostStatus.Published, post.Version, null, default);
        return post.NewsletterJob;
    }

    [Fact]
    public async Task The_planner_queues_every_confirmed_unblocked_subscriber_once_in_batches_and_is_done_after()
    {
        var confirmed = new List<string>();
        for (var i = 0; i < 120; i++)
        {
            confirmed.Add(await SubscriberAsync($"reader{i}@example.com"));
        }
        await SubscriberAsync("pending@example.com", SubscriberStatus.Pending);
        await SubscriberAsync("left@example.com", SubscriberStatus.Unsubscribed);
        var blocked = await SubscriberAsync("bounced@example.com");
        EmailAddress.TryParse("bounced@example.com", out var bouncedAddress, out _);
        await _subscribers.BlockMailAsync(bouncedAddress!, "bounced", default);
        var job = await PublishedAsync();
        Assert.Equal("planning", (await _jobs.GetProgressAsync(job, default))!.Status);

        Assert.Equal(120, await Planner().PlanAsync(job, default));
        Assert.Equal(0, await Planner().PlanAsync(job, default));

        Assert.Equal([50, 50, 20], _queued.Select(b => b.Recipients!.Count).OrderDescending());
        Assert.Equal(confirmed.Order(), _queued.SelectMany(b => b.Recipients!).Order());
        Assert.DoesNotContain(blocked, _queued.SelectMany(b => b.Recipients!));
        var progress = (await _jobs.GetProgressAsync(job, default))!;
        Assert.Equal(("sending", 120, 120), (progress.Status, progress.Recipients, progress.Queued));
        Assert.Empty(await _jobs.StalledPlanningAsync(_time.GetUtcNow().AddHours(1), default));
    }

    [Fact]
    public async Task A_batch_delivered_again_mails_nobody_twice_and_skips_who_left_meanwhile()
    {
        var ids = new[] { await SubscriberAsync("a@example.com"), await SubscriberAsync("b@example.com"), await SubscriberAsync("c@example.com") };
        var job = await PublishedAsync();
        await Planner().PlanAsync(job, default);
        var batch = Assert.Single(_queued);
        await _subscribers.UnsubscribeSignedAsync(ids[2], 0, default);

        Assert.Equal(BatchOutcome.Done, await Sender().SendAsync(batch, default));
        Assert.Equal(BatchOutcome.Done, await Sender().SendAsync(batch, default));

        Assert.Equal((1, 1, 0), (_smtp.CountTo("a@example.com"), _smtp.CountTo("b@example.com"), _smtp.CountTo("c@example.com")));
        var progress = (await _jobs.GetProgressAsync(job, default))!;
        Assert.Equal(("sent", 2, 0, 1), (progress.Status, progress.Sent, progress.Failed, progress.Skipped));
    }

    [Fact]
    public async Task A_permanent_refusal_fails_that_recipient_and_blocks_the_address_while_the_rest_are_sent()
    {
        await SubscriberAsync("good@example.com");
        var gone = await SubscriberAsync("gone@example.com");
        var job = await PublishedAsync();
        await Planner().PlanAsync(job, default);
        _smtp.Answer = (to, data) => to == "gone@example.com" && !data ? TestSmtpServer.Reply(550, "5.1.1 No such user") : null;

        Assert.Equal(BatchOutcome.Done, await Sender().SendAsync(Assert.Single(_queued), default));

        Assert.Equal((1, 0), (_smtp.CountTo("good@example.com"), _smtp.CountTo("gone@example.com")));
        Assert.StartsWith("bounced", (await _subscribers.FindAsync(gone, default))!.MailBlocked);
        var progress = (await _jobs.GetProgressAsync(job, default))!;
        Assert.Equal(("sent", 1, 1), (progress.Status, progress.Sent, progress.Failed));
    }

    [Fact]
    public async Task A_failure_that_may_pass_brings_the_batch_back_for_that_recipient_alone()
    {
        await SubscriberAsync("steady@example.com");
        await SubscriberAsync("flaky@example.com");
        var job = await PublishedAsync();
        await Planner().PlanAsync(job, default);
        _smtp.Answer = (to, data) => to == "flaky@example.com" && data ? TestSmtpServer.Reply(451, "Try again later") : null;
        var batch = Assert.Single(_queued);

        Assert.Equal(BatchOutcome.RetryLater, await Sender().SendAsync(batch, default));
        Assert.Equal("sending", (await _jobs.GetProgressAsync(job, default))!.Status);
        _smtp.Answer = (_, _) => null;
        Assert.Equal(BatchOutcome.Done, await Sender().SendAsync(batch, default));

        Assert.Equal((1, 1), (_smtp.CountTo("steady@example.com"), _smtp.CountTo("flaky@example.com")));
        Assert.Equal("sent", (await _jobs.GetProgressAsync(job, default))!.Status);
    }

    /// <summary>A Lambda that times out mid-send is frozen: its lease stays, and the redelivery arrives while it is live.</summary>
    [Fact]
    public async Task A_recipient_held_by_a_frozen_invocation_is_sent_once_by_a_redelivery_after_its_lease()
    {
        await SubscriberAsync("frozen@example.com");
        var job = await PublishedAsync();
        await Planner().PlanAsync(job, default);
        var batch = Assert.Single(_queued);
        var frozen = new FrozenSender(TestSmtpServer.SenderTo(_smtp.SesPort, _time));
        var frozenInvocation = Sender(frozen).SendAsync(batch, default);
        await frozen.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The redelivery finds the lease live: it sends nothing, and it does not let the batch go either.
        Assert.Equal(BatchOutcome.RetryLater, await Sender().SendAsync(batch, default));
        Assert.Equal(0, _smtp.CountTo("frozen@example.com"));

        _time.Advance(_options.Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(BatchOutcome.Done, await Sender().SendAsync(batch, default));
        Assert.Equal(1, _smtp.CountTo("frozen@example.com"));

        // Thawed long after: too late to start, so it sends nothing.
        frozen.Thaw.SetResult();
        await frozenInvocation;
        Assert.Equal(1, _smtp.CountTo("frozen@example.com"));
        Assert.Equal(("sent", 1), ((await _jobs.GetProgressAsync(job, default))!.Status, (await _jobs.GetProgressAsync(job, default))!.Sent));
    }

    [Fact]
    public async Task A_stalled_planner_is_found_by_the_sweep_and_resumed_from_where_it_recorded()
    {
        for (var i = 0; i < 3; i++)
        {
            await SubscriberAsync($"late{i}@example.com");
        }
        var job = await PublishedAsync();
        Assert.Empty(await _jobs.StalledPlanningAsync(_time.GetUtcNow().AddMinutes(-2), default));
        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal([job], await _jobs.StalledPlanningAsync(_time.GetUtcNow().AddMinutes(-2), default));
        Assert.Equal(3, await Planner().PlanAsync(job, default));
        Assert.Empty(await _jobs.StalledPlanningAsync(_time.GetUtcNow(), default));
    }

    [Fact]
    public async Task A_message_the_server_refuses_itself_stops_the_job_visibly_blocks_nobody_and_a_retry_sends_the_rest_once()
    {
        var readers = new[] { "one@example.com", "two@example.com", "three@example.com" };
        foreach (var reader in readers)
        {
            await SubscriberAsync(reader);
        }
        var job = await PublishedAsync();
        await Planner().PlanAsync(job, default);
        var batch = Assert.Single(_queued);
        _smtp.Answer = (to, data) => data && to == "two@example.com" ? TestSmtpServer.Reply(552, "5.3.4 Message size exceeds fixed maximum message size") : null;

        // The batch is done with (a redelivery would be refused the same way); the job says why.
        Assert.Equal(BatchOutcome.Done, await Sender().SendAsync(batch, default));
        var failed = (await _jobs.GetProgressAsync(job, default))!;
        Assert.Equal("failed", failed.Status);
        Assert.Contains("MessageRejected: 5.3.4 Message size exceeds", failed.Failure);
        Assert.Equal(0, failed.Failed); // no recipient failed: the message did
        foreach (var reader in readers)
        {
            Assert.Null((await _subscribers.FindAsync(TestTopology.Ids.IdFor(Address(reader)), default))!.MailBlocked);
        }
        // A batch still queued from before sends nothing while the job is failed.
        Assert.Equal(BatchOutcome.Done, await Sender().SendAsync(batch, default));
        var sentBefore = readers.Sum(_smtp.CountTo);

        // The author fixed the post and retries: planned anew, everyone not yet sent gets it, nobody twice.
        _smtp.Answer = (_, _) => null;
        Assert.True(await _jobs.RetryAsync(job, default));
        Assert.False(await _jobs.RetryAsync(job, default));
        _queued.Clear();
        await Planner().PlanAsync(job, default);
        Assert.Equal(BatchOutcome.Done, await Sender().SendAsync(Assert.Single(_queued), default));
        Assert.All(readers, reader => Assert.Equal(1, _smtp.CountTo(reader)));
        Assert.True(sentBefore < readers.Length);
        var sent = (await _jobs.GetProgressAsync(job, default))!;
        Assert.Equal(("sent", 3, 3), (sent.Status, sent.Recipients, sent.Sent));
    }

    private static EmailAddress Address(string text)
    {
        Assert.True(EmailAddress.TryParse(text, out var address, out _));
        return address!;
    }

    [Fact]
    public async Task A_post_that_was_emailed_and_deleted_leaves_its_slug_free_for_a_new_post_that_is_emailed_in_turn()
    {
        await SubscriberAsync("reader@example.com");
        var first = await PublishedAsync("Reused title");
        var post = (await _posts.GetAsync("reused-title", default))!;
        Assert.Equal(WriteOutcome.Ok, (await _posts.DeleteAsync("reused-title", post.Version, default)).Outcome);

        var second = await PublishedAsync("Reused title");

        Assert.NotEqual(first, second);
        Assert.Equal("reused-title", (await _posts.GetAsync("reused-title", default))!.Slug);
        Assert.NotNull(await _jobs.GetProgressAsync(first, default)); // the first one's record is kept
        Assert.Equal("planning", (await _jobs.GetProgressAsync(second, default))!.Status);
    }

    [Fact]
    public async Task A_post_from_before_ids_takes_one_at_its_first_publication_even_where_an_old_job_holds_its_slug()
    {
        // As an earlier version left them: a post emailed and deleted, its job named by the slug; and a draft of that
        // slug written before posts had ids.
        await _storage.Dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = _storage.Name,
            Item = new() { ["pk"] = new("NEWSLETTER#old-slug"), ["sk"] = new("JOB"), ["slug"] = new("old-slug"), ["createdAt"] = new("2026-01-01T00:00:00.0000000+00:00") },
        });
        new PostInput("Old slug", "Written before ids.", [], null).TryValidate(out var valid, out _);
        var draft = await _posts.CreateAsync(valid, null, default);
        var legacy = PostStore.Key(draft.Slug);
        await _storage.Dynamo.UpdateItemAsync(new UpdateItemRequest { TableName = _storage.Name, Key = legacy, UpdateExpression = "REMOVE postId" });
        Assert.Null((await _posts.GetAsync("old-slug", default))!.Id);

        var published = await _posts.SetStatusAsync("old-slug", PostStatus.Published, draft.Version, null, default);

        Assert.Equal(WriteOutcome.Ok, published.Outcome);
        Assert.NotNull(published.Post!.Id);
        Assert.Equal("planning", (await _jobs.GetProgressAsync(published.Post.NewsletterJob, default))!.Status);
    }
}
