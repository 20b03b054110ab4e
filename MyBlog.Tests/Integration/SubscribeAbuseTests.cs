using System.Globalization;
using System.Net;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MyBlog.Core;
using MyBlog.Core.Subscribers;
using MyBlog.Tests.Support;
using MyBlog.Workers.Mail;
using MyBlog.Workers.Subscribers;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The subscribe form in a stranger's hands, on the real store (a table of the test's own on DynamoDB Local), the
/// real mailer and sweep and an SMTP server in the process, with the test's clock: one inbox under many spellings,
/// addresses whose mail is stopped, and the subscribers stored before ids were keyed.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class SubscribeAbuseTests(TestTopology app) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly WelcomeOptions _welcome = new();
    private readonly TestSmtpServer _smtp = new();
    private IsolatedStorage _storage = null!;
    private SubscriberStore _store = null!;
    private WelcomeSweep _sweep = null!;

    public async Task InitializeAsync()
    {
        _storage = await IsolatedStorage.CreateAsync(app);
        _store = new SubscriberStore(_storage.Dynamo, TestTopology.Ids, _storage.Site, Options.Create(_welcome), _time);
        var mailer = new WelcomeMailer(_store, TestSmtpServer.SenderTo(_smtp.SesPort, _time),
            Options.Create(_welcome), TestSmtpServer.From, NullLogger<WelcomeMailer>.Instance, _time, new MyBlog.Core.Settings.SettingsStore(_storage.Dynamo, _storage.Site));
        _sweep = new WelcomeSweep(_store, mailer, new MyBlog.Core.Regions.RegionPresence(_storage.Dynamo, _storage.Site, Options.Create(_welcome), _time), _time, NullLogger<WelcomeSweep>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        _smtp.Dispose();
    }

    private Task<SubscribeOutcome> SubscribeAsync(string address)
    {
        Assert.True(EmailAddress.TryParse(address, out var email, out var error), error);
        return _store.AddAsync(new NewSubscriber(email!, "Someone"), null, default);
    }

    private Task<WelcomeSweepResult> SweepAsync() => _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default);

    [Fact]
    public async Task One_inbox_under_many_spellings_gets_one_welcome_per_interval_and_fewer_and_fewer_after()
    {
        Assert.Equal(SubscribeOutcome.Added, await SubscribeAsync("victim@gmail.com"));
        // Sub-addresses and Gmail's ignored dots all reach that inbox: no second welcome now, and nothing stored.
        foreach (var spelling in new[] { "victim+1@gmail.com", "v.i.c.t.i.m@gmail.com", "Victim+news@googlemail.com" })
        {
            Assert.Equal(SubscribeOutcome.Throttled, await SubscribeAsync(spelling));
        }
        await SweepAsync();

        // A stranger who keeps at it for a day, a new spelling every minute, gets it a handful of emails: the
        // interval doubles after each one (10, 20, 40 minutes… up to a day).
        for (var minute = 1; minute <= 24 * 60; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await SubscribeAsync($"victim+{minute}@gmail.com");
            if (minute % 10 == 0)
            {
                await SweepAsync();
            }
        }
        await SweepAsync();

        var welcomes = _smtp.Received.Count(m => m.To.StartsWith("victim", StringComparison.Ordinal));
        Assert.InRange(welcomes, 2, 9);
        // Another inbox is not held up by it.
        Assert.Equal(SubscribeOutcome.Added, await SubscribeAsync("someone-else@gmail.com"));
    }

    [Fact]
    public async Task In_SES_s_sandbox_nobody_is_blamed_the_welcome_stays_owed_and_the_service_is_asked_again_only_slowly()
    {
        var attempts = 0;
        _smtp.Answer = (_, data) =>
        {
            if (!data)
            {
                return null;
            }
            Interlocked.Increment(ref attempts);
            return TestSmtpServer.Reply(554, "Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: sandboxed@example.com");
        };
        await SubscribeAsync("sandboxed@example.com");
        await SweepAsync();
        Assert.Equal(1, attempts);
        Assert.Equal(1, await _store.CountOwedWelcomesAsync(default));

        // Sweeps come every minute; the refused setup is asked again only after its backoff.
        for (var minute = 1; minute <= 14; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await SweepAsync();
        }
        Assert.Equal(1, attempts);
        _time.Advance(MailAccountSetup.Backoff);
        await SweepAsync();
        Assert.Equal(2, attempts);

        // Production access granted: the welcome that was owed all along arrives, and the address was never blocked.
        _smtp.Answer = (_, _) => null;
        _time.Advance(MailAccountSetup.Backoff + TimeSpan.FromMinutes(1));
        await SweepAsync();
        Assert.Equal(1, _smtp.CountTo("sandboxed@example.com"));
        Assert.Equal(0, await _store.CountOwedWelcomesAsync(default));
    }

    [Fact]
    public async Task The_welcome_never_prints_what_a_stranger_typed()
    {
        Assert.True(EmailAddress.TryParse("named@example.com", out var email, out _));
        await _store.AddAsync(new NewSubscriber(email!, "Claim your prize at evil.example"), null, default);

        await SweepAsync();

        var raw = Assert.Single(_smtp.Received, m => m.To == "named@example.com").Raw;
        Assert.DoesNotContain("prize", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("evil.example", raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_address_whose_mail_is_stopped_is_never_owed_a_welcome_again()
    {
        Assert.True(EmailAddress.TryParse("bounced@example.com", out var email, out _));
        await SubscribeAsync("bounced@example.com");
        await SweepAsync();
        Assert.True(await _store.BlockMailAsync(email!, "bounced (General)", default));

        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(SubscribeOutcome.Unchanged, await SubscribeAsync("bounced@example.com"));

        Assert.Equal(0, await _store.CountOwedWelcomesAsync(default));
        Assert.Equal(1, _smtp.CountTo("bounced@example.com"));
    }

    [Fact]
    public async Task Items_in_the_owed_index_that_can_never_be_sent_leave_it_at_the_sweep_s_first_look_and_hold_nothing_up()
    {
        // As an earlier version left them: blocked or unsubscribed subscribers that re-subscribing put back in the
        // owed index, due before anything else.
        var due = _time.GetUtcNow().AddHours(-1);
        for (var i = 0; i < 30; i++)
        {
            await _storage.Dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _storage.Name,
                Item = new()
                {
                    ["pk"] = new(SubscriberKeys.PartitionKey(Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()))),
                    ["sk"] = new(SubscriberKeys.ProfileSortKey),
                    ["email"] = new($"stuck{i}@example.com"),
                    ["status"] = new(i % 2 == 0 ? "pending" : "unsubscribed"),
                    ["mailBlocked"] = new("complained (abuse)"),
                    ["welcomeDueAt"] = new() { N = due.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
                    ["gsi1pk"] = new(SubscriberKeys.WelcomeOwedList),
                    ["gsi1sk"] = new(SubscriberKeys.DueSortKey(due)),
                    ["idv"] = new() { N = "2" },
                },
            });
        }
        await SubscribeAsync("real@example.com");

        var first = await SweepAsync();

        Assert.Equal(1, first.Sent);
        Assert.Equal(1, _smtp.CountTo("real@example.com"));
        Assert.Equal(0, await _store.CountOwedWelcomesAsync(default));
        Assert.Equal(0, (await SweepAsync()).Due);
    }

    /// <summary>A subscriber as the first version stored it: under the unkeyed hash of its address.</summary>
    private async Task<string> LegacySubscriberAsync(string address, string status, bool owed)
    {
        Assert.True(EmailAddress.TryParse(address, out var email, out _));
        var legacyId = SubscriberIds.LegacyIdFor(email!);
        var now = _time.GetUtcNow();
        var item = new Dictionary<string, AttributeValue>
        {
            ["pk"] = new(SubscriberKeys.PartitionKey(legacyId)),
            ["sk"] = new(SubscriberKeys.ProfileSortKey),
            ["email"] = new(email!.Value),
            ["status"] = new(status),
            ["subscribedAt"] = new(now.ToString("O", CultureInfo.InvariantCulture)),
            ["confirmTokenHash"] = new(SubscriberToken.Hash("old-confirm-token")),
            ["confirmTokenExpiresAt"] = new() { N = now.AddDays(7).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
            ["unsubscribeTokenHash"] = new(SubscriberToken.Hash("old-unsubscribe-token")),
        };
        if (owed)
        {
            item["welcomeDueAt"] = new() { N = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) };
            item["gsi1pk"] = new(SubscriberKeys.WelcomeOwedList);
            item["gsi1sk"] = new(SubscriberKeys.DueSortKey(now));
        }
        await _storage.Dynamo.PutItemAsync(new PutItemRequest { TableName = _storage.Name, Item = item });
        return legacyId;
    }

    private async Task<List<Dictionary<string, AttributeValue>>> ItemsHoldingAsync(string address) =>
        (await _storage.Dynamo.ScanAsync(new ScanRequest { TableName = _storage.Name })).Items
            .Where(i => i.Values.Any(v => v.S == address)).ToList();

    [Fact]
    public async Task Subscribers_under_unkeyed_ids_move_to_keyed_ones_and_the_links_already_sent_keep_working()
    {
        var confirmed = await LegacySubscriberAsync("early@example.com", "confirmed", owed: false);
        var pending = await LegacySubscriberAsync("waiting@example.com", "pending", owed: false);

        var moved = await _store.MoveLegacyPageAsync(_time.GetUtcNow().AddMinutes(1), default);

        Assert.Equal((2, true), (moved.Moved, moved.Finished));
        Assert.Equal(TestTopology.SubscriberId("early@example.com"), (await _store.FindAsync(confirmed, default))!.Id);
        Assert.Equal(ConfirmOutcome.AwaitingConfirmation, await _store.CheckConfirmAsync(pending, "old-confirm-token", default));
        Assert.Equal(ConfirmOutcome.Confirmed, await _store.ConfirmAsync(pending, "old-confirm-token", default));
        Assert.Equal(UnsubscribeOutcome.Unsubscribed, await _store.UnsubscribeAsync(confirmed, "old-unsubscribe-token", default));
        foreach (var address in new[] { "early@example.com", "waiting@example.com" })
        {
            var item = Assert.Single(await ItemsHoldingAsync(address));
            Assert.Equal(SubscriberKeys.PartitionKey(TestTopology.SubscriberId(address)), item["pk"].S);
        }
        Assert.True((await _store.MoveLegacyPageAsync(_time.GetUtcNow().AddMinutes(1), default)).Finished);
    }

    [Fact]
    public async Task Subscribing_before_the_move_reaches_an_address_moves_it_first_and_never_stores_it_twice()
    {
        await LegacySubscriberAsync("early-owed@example.com", "pending", owed: true);

        Assert.Equal(SubscribeOutcome.Unchanged, await SubscribeAsync("early-owed@example.com")); // a welcome is owed already

        var item = Assert.Single(await ItemsHoldingAsync("early-owed@example.com"));
        Assert.Equal(SubscriberKeys.PartitionKey(TestTopology.SubscriberId("early-owed@example.com")), item["pk"].S);
        Assert.Equal(1, (await SweepAsync()).Sent);
        Assert.Equal(1, _smtp.CountTo("early-owed@example.com"));
    }
}
