using MimeKit;

namespace MyBlog.Workers.Mail;

/// <summary>Hands a finished message to the mail transport (SES's API; locally LocalAws's, which hands it to the mail sink).</summary>
public interface IMailSender
{
    /// <summary>
    /// Sends <paramref name="message"/>, or throws <see cref="MailSendException"/> saying how it failed.
    /// <paramref name="startBy"/> is the last moment the message may be handed over: a sender that gets there later
    /// (a slow connection, or a process frozen and thawed) sends nothing, because whoever holds the claim now may be
    /// sending the same message.
    /// </summary>
    Task SendAsync(MimeMessage message, DateTimeOffset startBy, CancellationToken ct);
}
