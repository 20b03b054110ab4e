using System.Diagnostics;
using System.Net;
using MimeKit;
using MyBlog.Tests.Support;
using MyBlog.Workers.Mail;

namespace MyBlog.Tests.Unit;

/// <summary>
/// The SMTP sender against a real SMTP server in the process (and the fault proxy in front of it): every way a
/// send can fail comes out as the right kind of failure, and an accepted message is never reported as failed.
/// </summary>
public sealed class SmtpMailSenderTests : IAsyncLifetime
{
    private readonly TestSmtpServer _server = new();
    private TcpFaultProxy _proxy = null!;

    public Task InitializeAsync()
    {
        _proxy = new TcpFaultProxy(() => new IPEndPoint(IPAddress.Loopback, _server.Port));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        _server.Dispose();
    }

    private SmtpMailSender Sender(double rate = 1000, TimeSpan? stepTimeout = null) =>
        TestSmtpServer.SenderTo(_proxy.Port, TimeProvider.System, rate, stepTimeout);

    private static MimeMessage Message(string to)
    {
        var message = new MimeMessage { Subject = "Hello" };
        message.From.Add(TestSmtpServer.From);
        message.To.Add(MailboxAddress.Parse(to));
        message.Body = new TextPart("plain") { Text = "Hi" };
        return message;
    }

    private static DateTimeOffset Soon => DateTimeOffset.UtcNow.AddMinutes(1);

    private async Task<MailFailure> FailureOf(string to, TimeSpan? stepTimeout = null)
    {
        var ex = await Assert.ThrowsAsync<MailSendException>(() => Sender(stepTimeout: stepTimeout).SendAsync(Message(to), Soon, CancellationToken.None));
        return ex.Failure;
    }

    [Fact]
    public async Task An_accepted_message_arrives_once()
    {
        await Sender().SendAsync(Message("ada@example.com"), Soon, CancellationToken.None);
        Assert.Equal(1, _server.CountTo("ada@example.com"));
    }

    [Fact]
    public async Task A_recipient_refused_with_550_is_a_refusal_for_good()
    {
        _server.Answer = (to, data) => !data && to.StartsWith("gone", StringComparison.Ordinal) ? TestSmtpServer.Reply(550, "Mailbox unavailable") : null;
        Assert.Equal(MailFailure.Permanent, await FailureOf("gone@example.com"));
    }

    [Fact]
    public async Task SES_throttling_454_and_a_421_mean_the_server_is_unavailable_not_the_reader()
    {
        _server.Answer = (_, data) => !data ? TestSmtpServer.Reply(454, "Throttling failure: Maximum sending rate exceeded.") : null;
        Assert.Equal(MailFailure.Unavailable, await FailureOf("ada@example.com"));
        _server.Answer = (_, _) => TestSmtpServer.Reply(421, "Service not available");
        Assert.Equal(MailFailure.Unavailable, await FailureOf("ada@example.com"));
    }

    [Fact]
    public async Task A_paused_account_refusing_the_data_is_the_account_s_setup_and_a_refused_message_is_the_message_s_fault_not_the_reader_s()
    {
        _server.Answer = (_, data) => data ? TestSmtpServer.Reply(554, "Message rejected: Sending paused for this account.") : null;
        Assert.Equal(MailFailure.AccountSetup, await FailureOf("ada@example.com"));
        _server.Answer = (_, data) => data ? TestSmtpServer.Reply(554, "Message rejected: Daily message quota exceeded.") : null;
        Assert.Equal(MailFailure.Unavailable, await FailureOf("ada@example.com"));
        _server.Answer = (_, data) => data ? TestSmtpServer.Reply(554, "Message rejected: content refused") : null;
        Assert.Equal(MailFailure.MessageRefused, await FailureOf("ada@example.com"));
        _server.Answer = (_, data) => data ? TestSmtpServer.Reply(552, "Message size exceeds fixed maximum message size") : null;
        Assert.Equal(MailFailure.MessageRefused, await FailureOf("ada@example.com"));
    }

    [Fact]
    public async Task SES_s_sandbox_refusing_an_unverified_recipient_is_the_account_s_setup_never_the_reader_s_fault()
    {
        const string Sandbox = "Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: ada@example.com";
        _server.Answer = (_, data) => data ? TestSmtpServer.Reply(554, Sandbox) : null;
        Assert.Equal(MailFailure.AccountSetup, await FailureOf("ada@example.com"));
        // Refused at the recipient, it must not read as a bounce either: that would block every subscriber.
        _server.Answer = (_, data) => !data ? TestSmtpServer.Reply(554, Sandbox) : null;
        Assert.Equal(MailFailure.AccountSetup, await FailureOf("ada@example.com"));
    }

    [Fact]
    public async Task What_a_failure_says_never_carries_the_address_the_server_named()
    {
        _server.Answer = (to, data) => !data ? TestSmtpServer.Reply(550, $"5.1.1 <{to}>: Recipient address rejected; see ada.lovelace+x@example.org") : null;

        var ex = await Assert.ThrowsAsync<MailSendException>(() => Sender().SendAsync(Message("gone@example.com"), Soon, CancellationToken.None));

        Assert.Equal(MailFailure.Permanent, ex.Failure);
        Assert.DoesNotContain("@", ex.Message);
        Assert.Contains(MailText.Address, ex.Message);
        Assert.Null(ex.InnerException); // the server's own exception holds the answer as it was
    }

    [Fact]
    public async Task A_451_on_the_data_may_pass()
    {
        _server.Answer = (_, data) => data ? TestSmtpServer.Reply(451, "Local error in processing") : null;
        Assert.Equal(MailFailure.Transient, await FailureOf("ada@example.com"));
    }

    [Fact]
    public async Task A_server_that_refuses_connections_or_never_answers_is_unavailable()
    {
        _proxy.Mode = FaultMode.Refuse;
        Assert.Equal(MailFailure.Unavailable, await FailureOf("ada@example.com"));
        _proxy.Mode = FaultMode.BlackHole;
        var clock = Stopwatch.StartNew();
        Assert.Equal(MailFailure.Unavailable, await FailureOf("ada@example.com", stepTimeout: TimeSpan.FromSeconds(1)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the per-step timeout, not the whole-send one, ends a silent server");
        Assert.Equal(0, _server.CountTo("ada@example.com"));
    }

    [Fact]
    public async Task A_QUIT_that_goes_unanswered_after_the_message_was_accepted_is_a_sent_message()
    {
        _proxy.Mode = FaultMode.QuitUnanswered;
        await Sender(stepTimeout: TimeSpan.FromSeconds(1)).SendAsync(Message("quit@example.com"), Soon, CancellationToken.None);
        Assert.Equal(1, _server.CountTo("quit@example.com"));
    }

    [Fact]
    public async Task A_sender_that_gets_there_after_its_start_by_sends_nothing()
    {
        var ex = await Assert.ThrowsAsync<MailSendException>(() =>
            Sender().SendAsync(Message("late@example.com"), DateTimeOffset.UtcNow.AddSeconds(-1), CancellationToken.None));
        Assert.Equal(MailFailure.Transient, ex.Failure);
        Assert.Equal(0, _server.CountTo("late@example.com"));
    }

    [Fact]
    public async Task Concurrent_sends_share_one_pace()
    {
        // 20 messages from 4 concurrent callers at 10 a second, a second's worth in a burst: at least a second.
        var sender = Sender(rate: 10);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 20), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (i, ct) => await sender.SendAsync(Message($"paced{i}@example.com"), DateTimeOffset.UtcNow.AddMinutes(1), ct));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"20 messages at 10/s took {clock.Elapsed}");
        Assert.Equal(20, _server.Received.Count(m => m.To.StartsWith("paced", StringComparison.Ordinal)));
    }
}
