using MyBlog.Aws.Functions;

namespace MyBlog.Workers.Mail;

/// <summary>How a send failed, which decides what happens next.</summary>
public enum MailFailure
{
    /// <summary>
    /// The server could not be reached, did not answer in time, or asked us to slow down (SES's throttling):
    /// the next message would fare the same, so a batch stops sending and everything owed is retried later.
    /// </summary>
    Unavailable,

    /// <summary>This message failed for a reason that may pass (SES's internal failure).</summary>
    Transient,

    /// <summary>
    /// The mail service refuses because of how the account is set up, and will until a person changes it: SES's
    /// sandbox (only verified recipients), a sender identity not verified, sending paused, the function's role not allowed to send. Every
    /// message would fare the same; nobody's address is at fault, so everything stays owed and is tried again slowly,
    /// and the log says so in a line an alarm watches for (<see cref="MailAccountSetup.LogMarker"/>).
    /// </summary>
    AccountSetup,

    /// <summary>The server refused this recipient for good (an address SES will not send to): the address is at fault, retrying cannot help.</summary>
    Permanent,

    /// <summary>
    /// The server refused the message itself (too large, its content): the same message would be
    /// refused for every recipient, and no recipient is at fault — nobody's address is blocked for it.
    /// </summary>
    MessageRefused,
}

/// <summary>A message that was not (known to be) accepted by the mail server, with what kind of failure it was.</summary>
public sealed class MailSendException(MailFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public MailFailure Failure { get; } = failure;

    public bool IsPermanent => Failure == MailFailure.Permanent;
}

/// <summary>What the mail functions write when the account's setup refuses mail: the alarm's metric filter matches it.</summary>
public static class MailAccountSetup
{
    public const string LogMarker = LogMarkers.MailAccountSetup;

    /// <summary>How long what a refused setup holds back waits before it is tried again: not hammering the service.</summary>
    public static readonly TimeSpan Backoff = TimeSpan.FromMinutes(15);

    public const string Fix =
        "In SES: request production access (the sandbox only sends to verified addresses), verify the sender identity, resume a paused account, or allow the function's role ses:SendEmail and ses:SendRawEmail on the identity and the configuration set.";
}
