using System.Diagnostics;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using MyBlog.Workers.Mail;

namespace MyBlog.Workers.Mail;

/// <summary>
/// Sends over SMTP with MailKit, one connection per message, at the process's shared pace. Every failure is
/// classified (<see cref="MailFailure"/>): the server away or throttling, a failure that may pass, or a refusal
/// for good. Once the server has answered the data with 2xx the message is sent, whatever happens to QUIT.
/// </summary>
public sealed class SmtpMailSender(IOptions<MailOptions> options, MailPace pace, TimeProvider time, ILogger<SmtpMailSender> logger) : IMailSender
{
    private static readonly ActivitySource Source = new("MyBlog.Mail");

    public async Task SendAsync(MimeMessage message, DateTimeOffset startBy, CancellationToken ct)
    {
        var mail = options.Value;
        using var span = Source.StartActivity("smtp send", ActivityKind.Client);
        span?.SetTag("server.address", mail.Host);
        span?.SetTag("server.port", mail.Port);
        span?.SetTag("messaging.message.id", message.MessageId);

        if (!string.IsNullOrEmpty(mail.ConfigurationSet))
        {
            message.Headers.Replace("X-SES-CONFIGURATION-SET", mail.ConfigurationSet);
        }
        await pace.WaitTurnAsync(ct);
        using var whole = CancellationTokenSource.CreateLinkedTokenSource(ct);
        whole.CancelAfter(mail.SendTimeout);
        using var client = new SmtpClient { Timeout = (int)mail.Timeout.TotalMilliseconds };

        var transferring = false;
        try
        {
            await client.ConnectAsync(mail.Host, mail.Port, mail.Security, whole.Token);
            if (!string.IsNullOrEmpty(mail.UserName))
            {
                await client.AuthenticateAsync(mail.UserName, mail.Password ?? "", whole.Token);
            }
            if (time.GetUtcNow() > startBy)
            {
                // Too late to start: the claim may be about to pass to another sender, who would send it too.
                throw new MailSendException(MailFailure.Transient, "Not sent: the claim would expire before the message could be handed over.");
            }
            transferring = true;
            await client.SendAsync(message, whole.Token);
        }
        catch (MailSendException ex)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            var failure = Classify(ex, transferring);
            var described = Describe(ex, whole.IsCancellationRequested, mail);
            span?.SetStatus(ActivityStatusCode.Error, described);
            span?.SetTag("myblog.mail.failure", failure.ToString());
            // The server's own exception stays out of it: its message is the unscrubbed answer.
            throw new MailSendException(failure, described);
        }

        try
        {
            await client.DisconnectAsync(quit: true, whole.Token);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // The server accepted the message before QUIT: it is sent. Failing here would send it again.
            logger.LogDebug(ex, "SMTP QUIT failed after message {MessageId} was accepted", message.MessageId);
        }
    }

    /// <summary>
    /// Refusals for good are about this recipient (5xx to RCPT TO: it is blocked) or this message (5xx to DATA: the
    /// message is refused, the recipient is not at fault). Anything about the
    /// server — unreachable, 421, SES's 454 throttling, a daily quota — is the server being unavailable: retried, never
    /// held against the reader. Anything about the account's setup — SES's sandbox, an unverified sender, a paused
    /// account, refused credentials — is <see cref="MailFailure.AccountSetup"/>: also never the reader's fault.
    /// </summary>
    public static MailFailure Classify(Exception ex, bool transferring) => ex switch
    {
        SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable or (SmtpStatusCode)454 } => MailFailure.Unavailable,
        // SES refuses an unverified sender at MAIL FROM.
        SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } => MailFailure.AccountSetup,
        // The sandbox's refusal comes at the data: "554 Message rejected: Email address is not verified."
        SmtpCommandException c when (int)c.StatusCode >= 500 && AboutTheAccountSetup(c.Message) => MailFailure.AccountSetup,
        SmtpCommandException c when (int)c.StatusCode >= 500 && c.ErrorCode == SmtpErrorCode.RecipientNotAccepted => MailFailure.Permanent,
        SmtpCommandException c when (int)c.StatusCode >= 500 && c.ErrorCode == SmtpErrorCode.MessageNotAccepted =>
            AboutTheSendingRate(c.Message) ? MailFailure.Unavailable : MailFailure.MessageRefused,
        SmtpCommandException c when (int)c.StatusCode >= 500 => MailFailure.Unavailable,
        SmtpCommandException => MailFailure.Transient,
        AuthenticationException => MailFailure.AccountSetup,
        SslHandshakeException or ServiceNotConnectedException or SocketException => MailFailure.Unavailable,
        // A timeout, a dropped connection or a garbled answer: before the message, the server is away; during it,
        // this message may or may not have arrived, and trying again is the only way to be sure it does.
        _ => transferring ? MailFailure.Transient : MailFailure.Unavailable,
    };

    private static bool AboutTheAccountSetup(string text) =>
        new[] { "not verified", "paused", "suspend", "credential" }.Any(word => text.Contains(word, StringComparison.OrdinalIgnoreCase));

    private static bool AboutTheSendingRate(string text) =>
        new[] { "quota", "throttl", "sending rate" }.Any(word => text.Contains(word, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// What went wrong, in words that may be kept: it is logged, set on spans and stored on the subscriber or the
    /// recipient's marker, so any address in the server's answer (a refusal usually names the recipient) is taken out.
    /// </summary>
    private static string Describe(Exception ex, bool timedOut, MailOptions mail) => MailText.WithoutAddresses(ex switch
    {
        SmtpCommandException c => $"SMTP {(int)c.StatusCode}: {c.Message}",
        OperationCanceledException when timedOut => $"The message was not sent within {mail.SendTimeout.TotalSeconds:0.#} s",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    });
}
