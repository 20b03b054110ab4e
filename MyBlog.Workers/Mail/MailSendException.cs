namespace MyBlog.Workers.Mail;

/// <summary>How a send failed, which decides what happens next.</summary>
public enum MailFailure
{
    /// <summary>
    /// The server could not be reached, did not answer in time, or asked us to slow down (SES's <c>454 Throttling</c>):
    /// the next message would fare the same, so a batch stops sending and everything owed is retried later.
    /// </summary>
    Unavailable,

    /// <summary>This message failed for a reason that may pass (another 4xx, a connection lost mid-message).</summary>
    Transient,

    /// <summary>The server refused this recipient for good (5xx to the recipient): the address is at fault, retrying cannot help.</summary>
    Permanent,

    /// <summary>
    /// The server refused the message itself (5xx to its data: too large, its content): the same message would be
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
