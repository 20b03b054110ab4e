using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using MimeKit;
using MyBlog.Tests.Support;
using MyBlog.Workers.Mail;

namespace MyBlog.Tests.Unit;

/// <summary>
/// The SES sender against LocalAws's SES API in the process, which hands each message to a real SMTP server (and
/// the fault proxy in front of SES): every way a send can fail comes out as the right kind of failure, and an
/// accepted message is never reported as failed. SES's own answers, which no sink gives, are classified the same way.
/// </summary>
public sealed class SesMailSenderTests : IAsyncLifetime
{
    private readonly TestSmtpServer _server = new();
    private TcpFaultProxy _proxy = null!;

    public Task InitializeAsync()
    {
        _proxy = new TcpFaultProxy(() => new IPEndPoint(IPAddress.Loopback, _server.SesPort));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        _server.Dispose();
    }

    private SesMailSender Sender(double rate = 1000, TimeSpan? timeout = null) =>
        TestSmtpServer.SenderTo(_proxy.Port, TimeProvider.System, rate, timeout);

    private static MimeMessage Message(string to)
    {
        var message = new MimeMessage { Subject = "Hello" };
        message.From.Add(TestSmtpServer.From);
        message.To.Add(MailboxAddress.Parse(to));
        message.Headers.Add("List-Unsubscribe", "<https://myblog.example/unsubscribe?t=abc>");
        message.Body = new TextPart("plain") { Text = "Hi" };
        return message;
    }

    private static DateTimeOffset Soon => DateTimeOffset.UtcNow.AddMinutes(1);

    private async Task<MailFailure> FailureOf(string to, TimeSpan? timeout = null)
    {
        var ex = await Assert.ThrowsAsync<MailSendException>(() => Sender(timeout: timeout).SendAsync(Message(to), Soon, CancellationToken.None));
        return ex.Failure;
    }

    [Fact]
    public async Task An_accepted_message_arrives_once_whole()
    {
        await Sender().SendAsync(Message("ada@example.com"), Soon, CancellationToken.None);
        Assert.Equal(1, _server.CountTo("ada@example.com"));
        Assert.Contains("List-Unsubscribe: <https://myblog.example/unsubscribe?t=abc>", _server.Received.Single().Raw);
    }

    [Fact]
    public async Task The_request_is_SES_v2_SendEmail_with_the_raw_message_signed_for_ses_in_the_region_naming_the_configuration_set()
    {
        var mail = new MailOptions { Region = "eu-west-1", ConfigurationSet = "MailEvents123", FromAddress = "hello@example.com" };
        var message = Message("ada@example.com");
        using var request = SesMailSender.CreateRequest(mail.Endpoint(), mail, message, new ImmutableCredentials("AKID", "secret", "session"),
            new DateTime(2026, 12, 6, 10, 0, 0, DateTimeKind.Utc));

        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails", request.RequestUri!.ToString());
        var authorization = request.Headers.GetValues("Authorization").Single();
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKID/20261206/eu-west-1/ses/aws4_request", authorization);
        Assert.Equal("session", request.Headers.GetValues("x-amz-security-token").Single());
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);

        var body = JsonNode.Parse(await request.Content.ReadAsStringAsync())!;
        Assert.Equal("hello@example.com", body["FromEmailAddress"]!.GetValue<string>());
        Assert.Equal("ada@example.com", body["Destination"]!["ToAddresses"]![0]!.GetValue<string>());
        Assert.Equal("MailEvents123", body["ConfigurationSetName"]!.GetValue<string>());
        var raw = Encoding.UTF8.GetString(Convert.FromBase64String(body["Content"]!["Raw"]!["Data"]!.GetValue<string>()));
        Assert.Contains("Subject: Hello", raw);
        Assert.Contains("List-Unsubscribe: <https://myblog.example/unsubscribe?t=abc>", raw);
    }

    [Fact]
    public async Task The_local_SES_refuses_a_call_not_signed_for_ses_as_AWS_does()
    {
        using var http = new HttpClient();
        var unsigned = await http.PostAsync($"http://127.0.0.1:{_server.SesPort}/v2/email/outbound-emails", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal("UnrecognizedClientException", unsigned.Headers.GetValues("x-amzn-ErrorType").Single());

        var mail = new MailOptions { ServiceUrl = $"http://127.0.0.1:{_server.SesPort}/", Region = "us-east-1" };
        using var request = SesMailSender.CreateRequest(mail.Endpoint(), mail, Message("ada@example.com"), new ImmutableCredentials("a", "b", null), DateTime.UtcNow);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=a/20261206/us-east-1/email/aws4_request, SignedHeaders=host, Signature=00");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(request)).StatusCode);
        Assert.Equal(0, _server.CountTo("ada@example.com"));
    }

    [Fact]
    public async Task A_recipient_refused_with_550_is_a_refusal_for_good()
    {
        _server.Answer = (to, data) => !data && to.StartsWith("gone", StringComparison.Ordinal) ? TestSmtpServer.Reply(550, "Mailbox unavailable") : null;
        Assert.Equal(MailFailure.Permanent, await FailureOf("gone@example.com"));
    }

    [Fact]
    public async Task Throttling_and_a_sink_that_is_not_available_mean_SES_is_unavailable_not_the_reader()
    {
        _server.Answer = (_, data) => !data ? TestSmtpServer.Reply(454, "Throttling failure: Maximum sending rate exceeded.") : null;
        Assert.Equal(MailFailure.Unavailable, await FailureOf("ada@example.com"));
        _server.Answer = (_, _) => TestSmtpServer.Reply(421, "Service not available");
        Assert.Equal(MailFailure.Unavailable, await FailureOf("ada@example.com"));
    }

    [Fact]
    public async Task A_paused_account_is_the_account_s_setup_and_a_refused_message_is_the_message_s_fault_not_the_reader_s()
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

    [Theory]
    [InlineData(400, "MessageRejected", "Email address is not verified. The following identities failed the check in region EU-WEST-1: hello@example.com", MailFailure.AccountSetup)]
    [InlineData(400, "MailFromDomainNotVerifiedException", "The sending domain isn't verified.", MailFailure.AccountSetup)]
    [InlineData(400, "AccountSuspendedException", "Your account has been suspended.", MailFailure.AccountSetup)]
    [InlineData(400, "SendingPausedException", "Sending is paused for this account.", MailFailure.AccountSetup)]
    [InlineData(404, "NotFoundException", "Configuration set <MailEvents> does not exist.", MailFailure.AccountSetup)]
    [InlineData(403, "AccessDeniedException", "User is not authorized to perform ses:SendRawEmail", MailFailure.AccountSetup)]
    [InlineData(403, "ExpiredTokenException", "The security token included in the request is expired", MailFailure.AccountSetup)]
    [InlineData(429, "TooManyRequestsException", "Maximum sending rate exceeded.", MailFailure.Unavailable)]
    [InlineData(400, "LimitExceededException", "Daily message quota exceeded.", MailFailure.Unavailable)]
    [InlineData(503, "ServiceUnavailable", "Service unavailable", MailFailure.Unavailable)]
    [InlineData(500, "InternalFailure", "Internal failure", MailFailure.Transient)]
    [InlineData(400, "BadRequestException", "Illegal address", MailFailure.Permanent)]
    [InlineData(400, "MessageRejected", "Message length is more than 40 megabytes.", MailFailure.MessageRefused)]
    public void SES_s_own_answers_are_classified_by_type_then_by_their_words(int status, string type, string words, MailFailure expected) =>
        Assert.Equal(expected, SesMailSender.Classify((HttpStatusCode)status, type, words));

    [Fact]
    public async Task What_a_failure_says_never_carries_the_address_the_server_named()
    {
        _server.Answer = (to, data) => !data ? TestSmtpServer.Reply(550, $"5.1.1 <{to}>: Recipient address rejected; see ada.lovelace+x@example.org") : null;

        var ex = await Assert.ThrowsAsync<MailSendException>(() => Sender().SendAsync(Message("gone@example.com"), Soon, CancellationToken.None));

        Assert.Equal(MailFailure.Permanent, ex.Failure);
        Assert.DoesNotContain("@", ex.Message);
        Assert.Contains(MailText.Address, ex.Message);
        Assert.Null(ex.InnerException); // SES's answer as it was stays out of it
    }

    [Fact]
    public async Task A_451_on_the_data_may_pass()
    {
        _server.Answer = (_, data) => data ? TestSmtpServer.Reply(451, "Local error in processing") : null;
        Assert.Equal(MailFailure.Transient, await FailureOf("ada@example.com"));
    }

    [Fact]
    public async Task SES_refusing_connections_or_never_answering_is_unavailable()
    {
        _proxy.Mode = FaultMode.Refuse;
        Assert.Equal(MailFailure.Unavailable, await FailureOf("ada@example.com"));
        _proxy.Mode = FaultMode.BlackHole;
        var clock = Stopwatch.StartNew();
        Assert.Equal(MailFailure.Unavailable, await FailureOf("ada@example.com", timeout: TimeSpan.FromSeconds(1)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the call's timeout, not the whole-send one, ends a silent SES");
        Assert.Equal(0, _server.CountTo("ada@example.com"));
    }

    [Fact]
    public async Task The_local_SES_says_unavailable_when_its_sink_is_away_and_sent_when_the_sink_accepted_but_left_QUIT_unanswered()
    {
        await using var sinkProxy = new TcpFaultProxy(() => new IPEndPoint(IPAddress.Loopback, _server.Port));
        await using var ses = new SesStandIn(sinkProxy.Port);
        var sender = TestSmtpServer.SenderTo(ses.Port, TimeProvider.System);

        sinkProxy.Mode = FaultMode.Refuse;
        var away = await Assert.ThrowsAsync<MailSendException>(() => sender.SendAsync(Message("away@example.com"), Soon, CancellationToken.None));
        Assert.Equal(MailFailure.Unavailable, away.Failure);

        sinkProxy.Mode = FaultMode.QuitUnanswered;
        await sender.SendAsync(Message("quit@example.com"), Soon, CancellationToken.None);
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
