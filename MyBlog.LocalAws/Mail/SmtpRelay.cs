using System.ComponentModel.DataAnnotations;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MyBlog.LocalAws.Mail;

/// <summary>Where LocalAws's SES hands its messages: the local mail sink's SMTP port.</summary>
public sealed class SmtpRelayOptions
{
    public const string Section = "LocalAws:Ses";

    [Required]
    public string SmtpHost { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int SmtpPort { get; set; } = 25;

    /// <summary>Each SMTP step may take this long before the sink counts as away (SES then answers 503).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>The data annotations above, compiled.</summary>
[OptionsValidator]
public sealed partial class SmtpRelayOptionsValidator : IValidateOptions<SmtpRelayOptions>;

/// <summary>What SES answers for one message: 200 with its id, or an error status, SES's error type and its words.</summary>
public sealed record SesOutcome(int Status, string? MessageId, string? ErrorType, string? Message)
{
    public static SesOutcome Sent() => new(200, $"local-{Guid.NewGuid():N}", null, null);

    public static SesOutcome Refused(int status, string type, string message) => new(status, null, type, message);
}

/// <summary>
/// Hands a message to the mail sink over SMTP and says what SES would have answered. The sink's answers map to
/// SES's: unreachable or 421 → 503 (SES away); 454 → 429 (throttled); a refused sender → the MAIL FROM domain not
/// verified; a refused recipient → <c>MessageRejected</c> "Recipient refused" (or, for the sandbox's "not verified",
/// its own words); a refused message → <c>MessageRejected</c> with the sink's words; another 4xx → 500 (may pass).
/// Once the sink has accepted the data the message is sent, whatever happens to QUIT.
/// </summary>
public sealed class SmtpRelay(IOptions<SmtpRelayOptions> options, ILogger<SmtpRelay> logger)
{
    public async Task<SesOutcome> RelayAsync(MimeMessage message, MailboxAddress sender, IReadOnlyList<string> recipients, CancellationToken ct)
    {
        var relay = options.Value;
        using var client = new SmtpClient { Timeout = (int)relay.Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(relay.SmtpHost, relay.SmtpPort, SecureSocketOptions.None, ct);
            await client.SendAsync(message, sender, recipients.Select(MailboxAddress.Parse), ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return Translate(ex);
        }
        try
        {
            await client.DisconnectAsync(quit: true, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // The sink accepted the message before QUIT: it is sent, and SES would say so.
            logger.LogDebug(ex, "SMTP QUIT failed after message {MessageId} was accepted", message.MessageId);
        }
        return SesOutcome.Sent();
    }

    public static SesOutcome Translate(Exception ex) => ex switch
    {
        SmtpCommandException { StatusCode: (SmtpStatusCode)454 } c => SesOutcome.Refused(429, "TooManyRequestsException", c.Message),
        SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable } c => SesOutcome.Refused(503, "ServiceUnavailable", c.Message),
        SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } c when (int)c.StatusCode >= 500 =>
            SesOutcome.Refused(400, "MailFromDomainNotVerifiedException", c.Message),
        SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } c when (int)c.StatusCode >= 500 =>
            SesOutcome.Refused(400, "MessageRejected", c.Message.Contains("not verified", StringComparison.OrdinalIgnoreCase) ? c.Message : $"Recipient refused: {c.Message}"),
        SmtpCommandException c when (int)c.StatusCode >= 500 => SesOutcome.Refused(400, "MessageRejected", c.Message),
        SmtpCommandException c => SesOutcome.Refused(500, "InternalFailure", c.Message),
        SocketException or SslHandshakeException or ServiceNotConnectedException or IOException or TimeoutException or SmtpProtocolException =>
            SesOutcome.Refused(503, "ServiceUnavailable", $"The mail sink is away: {ex.Message}"),
        OperationCanceledException => SesOutcome.Refused(503, "ServiceUnavailable", "The mail sink did not answer in time."),
        _ => SesOutcome.Refused(500, "InternalFailure", ex.Message),
    };
}
