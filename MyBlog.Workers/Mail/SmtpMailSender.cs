using System.Diagnostics;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using MyBlog.Core.Mail;

namespace MyBlog.Workers.Mail;

/// <summary>Sends over SMTP with MailKit, one connection per message (a worker sends a handful per batch).</summary>
public sealed class SmtpMailSender(IOptions<MailOptions> options) : IMailSender
{
    private static readonly ActivitySource Source = new("MyBlog.Mail");

    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        var mail = options.Value;
        using var span = Source.StartActivity("smtp send", ActivityKind.Client);
        span?.SetTag("server.address", mail.Host);
        span?.SetTag("server.port", mail.Port);
        span?.SetTag("messaging.message.id", message.MessageId);

        using var client = new SmtpClient { Timeout = mail.TimeoutSeconds * 1000 };
        await client.ConnectAsync(mail.Host, mail.Port, mail.Security, ct);
        if (!string.IsNullOrEmpty(mail.UserName))
        {
            await client.AuthenticateAsync(mail.UserName, mail.Password ?? "", ct);
        }
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(quit: true, ct);
    }
}
