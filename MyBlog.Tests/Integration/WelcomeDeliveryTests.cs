using System.Net;
using System.Text.RegularExpressions;
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
/// The welcome's delivery guarantee, step by step and with time under the test's control: the real store on
/// DynamoDB Local (a table of the test's own, which no stream consumer reads), the real mailer, sweep and SMTP sender,
/// a real SMTP server in the process. Only the clock is the test's, and — where a test says so — a Lambda freeze.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed partial class WelcomeDeliveryTests(TestTopology app) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly WelcomeOptions _welcome = new();
    private readonly TestSmtpServer _smtp = new();
    private IsolatedStorage _storage = null!;
    private SubscriberStore _store = null!;
    private WelcomeSweep _sweep = null!;
    private TcpFaultProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _storage = await IsolatedStorage.CreateAsync(app);
        _store = new SubscriberStore(_storage.Dynamo, TestTopology.Ids, _storage.Site, Options.Create(_welcome), _time);
        _proxy = new TcpFaultProxy(() => new IPEndPoint(IPAddress.Loopback, _smtp.SesPort));
        _sweep = new WelcomeSweep(_store, Mailer(), new MyBlog.Core.Regions.RegionPresence(_storage.Dynamo, _storage.Site, Options.Create(_welcome), _time), _time, NullLogger<WelcomeSweep>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        await _proxy.DisposeAsync();
        _smtp.Dispose();
    }

    private IMailSender SesSender() => TestSmtpServer.SenderTo(_proxy.Port, _time);

    private WelcomeMailer Mailer(IMailSender? sender = null) => new(_store, sender ?? SesSender(),
        Options.Create(_welcome), TestSmtpServer.From, NullLogger<WelcomeMailer>.Instance, _time, new MyBlog.Core.Settings.SettingsStore(_storage.Dynamo, _storage.Site));

    private async Task<string> SubscribeAsync(string address)
    {
        EmailAddress.TryParse(address, out var email, out _);
        Assert.Equal(SubscribeOutcome.Added, await _store.AddAsync(new NewSubscriber(email!, null), null, default));
        return TestTopology.Ids.IdFor(email!);
    }

    private Task<SubscribeOutcome> SubscribeAgainAsync(string address)
    {
        EmailAddress.TryParse(address, out var email, out _);
        return _store.AddAsync(new NewSubscriber(email!, null), null, default);
    }

    private async Task<Subscriber> FindAsync(string id) => (await _store.FindAsync(id, default))!;

    /// <summary>The token in the newest email's link of the given kind.</summary>
    private string LinkToken(string address, string kind)
    {
        var raw = _smtp.Received.Last(m => m.To == address).Raw;
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(raw));
        var text = MimeMessage.Load(stream).TextBody ?? "";
        return Uri.UnescapeDataString(Regex.Match(text, $@"/{kind}\?token=([A-Za-z0-9_%-]+)").Groups[1].Value);
    }

    [Fact]
    public async Task A_new_subscriber_is_owed_one_welcome_until_it_is_sent_and_then_nothing_sends_it_again()
    {
        var id = await SubscribeAsync("new@example.com");
        Assert.True((await FindAsync(id)).WelcomeOwed);
        Assert.Equal([id], await _store.DueWelcomesAsync(10, default));

        Assert.Equal(WelcomeOutcome.Sent, (await Mailer().SendAsync(id, WelcomePath.Stream, default)).Outcome);
        Assert.Equal(WelcomeOutcome.NotClaimable, (await Mailer().SendAsync(id, WelcomePath.Stream, default)).Outcome);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, (await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default)).Due);

        var subscriber = await FindAsync(id);
        Assert.False(subscriber.WelcomeOwed);
        Assert.NotNull(subscriber.WelcomeSentAt);
        Assert.Equal(1, _smtp.CountTo("new@example.com"));
        Assert.Equal(0, await _store.CountOwedWelcomesAsync(default));
    }

    [Fact]
    public async Task A_claim_held_by_a_frozen_invocation_expires_into_exactly_one_send_by_the_sweep()
    {
        var id = await SubscribeAsync("frozen@example.com");
        var frozen = new FrozenSender(SesSender());
        var frozenInvocation = Mailer(frozen).SendAsync(id, WelcomePath.Stream, default);
        for (var wait = 0; (await FindAsync(id)).WelcomeAttempts == 0; wait++)
        {
            Assert.False(frozenInvocation.IsCompleted || wait > 250, "the frozen invocation never claimed");
            await Task.Delay(20);
        }

        // The stream's retry and the sweep both find the lease live: nothing to do yet, and nothing lost either.
        Assert.Equal(WelcomeOutcome.NotClaimable, (await Mailer().SendAsync(id, WelcomePath.Stream, default)).Outcome);
        Assert.Equal(0, (await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default)).Sent);
        Assert.True((await FindAsync(id)).WelcomeOwed);

        _time.Advance(_welcome.Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, (await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default)).Sent);
        Assert.Equal(1, _smtp.CountTo("frozen@example.com"));

        // Thawed long after: too late to start, so it sends nothing, and its stale lease changes nothing.
        frozen.Thaw.SetResult();
        await frozenInvocation;
        Assert.Equal(1, _smtp.CountTo("frozen@example.com"));
        var subscriber = await FindAsync(id);
        Assert.False(subscriber.WelcomeOwed);
        Assert.NotNull(subscriber.WelcomeSentAt);
    }

    [Fact]
    public async Task A_failure_that_may_pass_waits_its_backoff_and_then_the_sweep_sends_it_once()
    {
        var id = await SubscribeAsync("later@example.com");
        _smtp.Answer = (_, data) => data ? TestSmtpServer.Reply(451, "Try again later") : null;

        var first = await Mailer().SendAsync(id, WelcomePath.Stream, default);
        Assert.Equal(WelcomeOutcome.RetryLater, first.Outcome);
        Assert.Equal(MailFailure.Transient, first.Failure);
        _smtp.Answer = (_, _) => null;
        Assert.Equal(0, (await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default)).Due); // still in its backoff

        _time.Advance(_welcome.RetryBackoff); // the first backoff, jitter included, is at most this
        var sweep = await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default);
        Assert.Equal(1, sweep.Sent);
        Assert.Equal(1, _smtp.CountTo("later@example.com"));
        Assert.Equal(2, (await FindAsync(id)).WelcomeAttempts);
    }

    [Fact]
    public async Task A_recipient_refused_for_good_is_recorded_on_the_subscriber_and_never_retried()
    {
        var id = await SubscribeAsync("nobody@example.com");
        _smtp.Answer = (to, data) => !data && to == "nobody@example.com" ? TestSmtpServer.Reply(550, "No such user") : null;

        Assert.Equal(WelcomeOutcome.Refused, (await Mailer().SendAsync(id, WelcomePath.Stream, default)).Outcome);
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, (await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default)).Due);
        Assert.Equal(WelcomeOutcome.NotClaimable, (await Mailer().SendAsync(id, WelcomePath.Stream, default)).Outcome);

        var subscriber = await FindAsync(id);
        Assert.False(subscriber.WelcomeOwed);
        Assert.Contains("MessageRejected: Recipient refused: No such user", subscriber.WelcomeFailure);
        Assert.Equal(1, subscriber.WelcomeAttempts);
    }

    [Fact]
    public async Task With_the_server_away_the_sweep_stops_at_the_first_sign_and_when_it_is_back_each_owed_welcome_goes_once()
    {
        var addresses = Enumerable.Range(0, 12).Select(i => $"outage{i}@example.com").ToList();
        foreach (var address in addresses)
        {
            await SubscribeAsync(address);
        }
        _proxy.Mode = FaultMode.Refuse;

        var during = await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default);
        Assert.Equal(12, during.Due);
        Assert.Equal("the mail server is unavailable", during.StoppedBecause);
        Assert.InRange(during.RetryLater, 1, WelcomeSweep.Parallelism); // not twelve timeouts in a row
        Assert.Equal(12, await _store.CountOwedWelcomesAsync(default));

        _proxy.Mode = FaultMode.Pass;
        _time.Advance(_welcome.MaxRetryBackoff);
        var after = await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default);
        Assert.Equal(12, after.Sent);
        Assert.All(addresses, a => Assert.Equal(1, _smtp.CountTo(a)));
        Assert.Equal(0, await _store.CountOwedWelcomesAsync(default));
    }

    [Fact]
    public async Task The_sweep_starts_nothing_after_its_time_is_up()
    {
        await SubscribeAsync("budget@example.com");
        var result = await _sweep.RunAsync(_time.GetUtcNow().AddSeconds(-1), default);
        Assert.Equal("its time was up", result.StoppedBecause);
        Assert.Equal(0, _smtp.CountTo("budget@example.com"));
        Assert.Equal(1, await _store.CountOwedWelcomesAsync(default));
    }

    [Fact]
    public async Task Subscribing_again_owes_a_fresh_welcome_only_while_unconfirmed_and_not_within_the_mailbox_s_interval()
    {
        var id = await SubscribeAsync("again@example.com");
        Assert.Equal(SubscribeOutcome.Unchanged, await SubscribeAgainAsync("again@example.com")); // one is owed already
        await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default);
        Assert.Equal(SubscribeOutcome.Unchanged, await SubscribeAgainAsync("again@example.com")); // sent just now

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(SubscribeOutcome.Unchanged, await SubscribeAgainAsync("again@example.com"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(SubscribeOutcome.WelcomedAgain, await SubscribeAgainAsync("again@example.com")); // the first email got lost
        Assert.Equal(SubscriberStatus.Pending, (await FindAsync(id)).Status);

        Assert.Equal(1, (await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default)).Sent);
        Assert.Equal(2, _smtp.CountTo("again@example.com"));
        Assert.Equal(ConfirmOutcome.Confirmed, await _store.ConfirmAsync(id, LinkToken("again@example.com", "confirm"), default));

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(SubscribeOutcome.Unchanged, await SubscribeAgainAsync("again@example.com")); // confirmed: nothing to send
        Assert.Equal(0, await _store.CountOwedWelcomesAsync(default));
    }

    [Fact]
    public async Task An_address_that_unsubscribed_is_never_mailed_from_the_form_and_comes_back_only_from_a_link_we_sent()
    {
        var id = await SubscribeAsync("left@example.com");
        await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default);
        var unsubscribe = LinkToken("left@example.com", "unsubscribe");
        Assert.Equal(UnsubscribeOutcome.Unsubscribed, await _store.UnsubscribeAsync(id, unsubscribe, default));

        for (var day = 0; day < 3; day++)
        {
            _time.Advance(TimeSpan.FromDays(1));
            Assert.Equal(SubscribeOutcome.Unchanged, await SubscribeAgainAsync("left@example.com"));
        }
        Assert.Equal(0, await _store.CountOwedWelcomesAsync(default));
        Assert.Equal(1, _smtp.CountTo("left@example.com"));

        Assert.Equal(ResubscribeOutcome.Invalid, await _store.ResubscribeAsync(id, "forged", null, default));
        Assert.Equal(ResubscribeOutcome.Resubscribed, await _store.ResubscribeAsync(id, unsubscribe, null, default));
        var back = await FindAsync(id);
        Assert.Equal((SubscriberStatus.Confirmed, 1, false), (back.Status, back.Generation, back.WelcomeOwed));
        Assert.Equal(ResubscribeOutcome.AlreadySubscribed, await _store.ResubscribeAsync(id, unsubscribe, null, default));
        // A newsletter's link made for the subscription before no longer ends this one; one made for it does.
        Assert.Equal(UnsubscribeOutcome.Invalid, await _store.UnsubscribeSignedAsync(id, 0, default));
        Assert.Equal(UnsubscribeOutcome.Unsubscribed, await _store.UnsubscribeSignedAsync(id, 1, default));
        Assert.Equal(1, _smtp.CountTo("left@example.com"));
    }

    [Fact]
    public async Task Two_subscribes_at_once_of_an_unconfirmed_address_owe_one_welcome()
    {
        await SubscribeAsync("race@example.com");
        await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default);
        _time.Advance(_welcome.ResendInterval);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SubscribeAgainAsync("race@example.com")));
        Assert.Single(outcomes, o => o == SubscribeOutcome.WelcomedAgain);
    }

    [Fact]
    public async Task Opening_the_confirm_link_changes_nothing_and_the_button_confirms()
    {
        var id = await SubscribeAsync("confirm@example.com");
        await Mailer().SendAsync(id, WelcomePath.Stream, default);
        var token = LinkToken("confirm@example.com", "confirm");

        Assert.Equal(ConfirmOutcome.AwaitingConfirmation, await _store.CheckConfirmAsync(id, token, default));
        Assert.Equal(ConfirmOutcome.AwaitingConfirmation, await _store.CheckConfirmAsync(id, token, default));
        Assert.Equal(SubscriberStatus.Pending, (await FindAsync(id)).Status);
        Assert.Equal(ConfirmOutcome.Confirmed, await _store.ConfirmAsync(id, token, default));
        Assert.Equal(ConfirmOutcome.AlreadyConfirmed, await _store.CheckConfirmAsync(id, token, default));
    }

    [Fact]
    public async Task An_expired_confirm_link_confirms_nothing_and_asks_for_a_fresh_welcome_at_most_every_ten_minutes()
    {
        var id = await SubscribeAsync("expired@example.com");
        await Mailer().SendAsync(id, WelcomePath.Stream, default);
        var oldToken = LinkToken("expired@example.com", "confirm");
        _time.Advance(SubscriberStore.ConfirmTokenLifetime + TimeSpan.FromMinutes(1));

        Assert.Equal(ConfirmOutcome.Expired, await _store.CheckConfirmAsync(id, oldToken, default));
        Assert.Equal(ConfirmOutcome.Expired, await _store.ConfirmAsync(id, oldToken, default));
        Assert.Equal(ResendOutcome.Invalid, await _store.ResendWelcomeAsync(id, "forged", default));
        Assert.Equal(ResendOutcome.Sent, await _store.ResendWelcomeAsync(id, oldToken, default));
        Assert.Equal(ResendOutcome.Sent, await _store.ResendWelcomeAsync(id, oldToken, default)); // already on its way
        Assert.Equal(1, (await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default)).Sent);

        var newToken = LinkToken("expired@example.com", "confirm");
        Assert.Equal(ResendOutcome.TooSoon, await _store.ResendWelcomeAsync(id, newToken, default));
        Assert.Equal(ResendOutcome.Invalid, await _store.ResendWelcomeAsync(id, oldToken, default)); // the newest email's link counts
        Assert.Equal(ConfirmOutcome.Confirmed, await _store.ConfirmAsync(id, newToken, default));
        Assert.Equal(2, _smtp.CountTo("expired@example.com"));
    }

    [Fact]
    public async Task Unsubscribing_or_confirming_while_a_welcome_is_owed_cancels_it()
    {
        var leaving = await SubscribeAsync("leaving@example.com");
        var staying = await SubscribeAsync("staying@example.com");
        await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default);
        var unsubscribe = LinkToken("leaving@example.com", "unsubscribe");
        var confirm = LinkToken("staying@example.com", "confirm");
        _time.Advance(_welcome.ResendInterval);
        Assert.Equal(SubscribeOutcome.WelcomedAgain, await SubscribeAgainAsync("leaving@example.com"));
        Assert.Equal(SubscribeOutcome.WelcomedAgain, await SubscribeAgainAsync("staying@example.com"));

        await _store.UnsubscribeAsync(leaving, unsubscribe, default);
        await _store.ConfirmAsync(staying, confirm, default);

        Assert.Equal(0, (await _sweep.RunAsync(_time.GetUtcNow().AddMinutes(1), default)).Due);
        Assert.Equal(0, await _store.CountOwedWelcomesAsync(default));
        Assert.Equal(1, _smtp.CountTo("leaving@example.com"));
        Assert.Equal(1, _smtp.CountTo("staying@example.com"));
    }
}
