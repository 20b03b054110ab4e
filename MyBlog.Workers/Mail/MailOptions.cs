using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace MyBlog.Workers.Mail;

/// <summary>SMTP transport and sender. Locally smtp4dev; on AWS the SES SMTP endpoint (credentials from SSM).</summary>
public sealed class MailOptions
{
    public const string Section = "Mail";

    [Required]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    [Required, EmailAddress]
    public string FromAddress { get; set; } = "hello@myblog.local";

    [Required]
    public string FromName { get; set; } = "MyBlog";

    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 15;
}
