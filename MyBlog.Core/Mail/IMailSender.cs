using MimeKit;

namespace MyBlog.Core.Mail;

/// <summary>Hands a finished message to the mail transport (SMTP to smtp4dev locally, to SES on AWS).</summary>
public interface IMailSender
{
    Task SendAsync(MimeMessage message, CancellationToken ct);
}
