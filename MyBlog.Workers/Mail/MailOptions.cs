using System.ComponentModel.DataAnnotations;
using MailKit.Security;
using MyBlog.Core;
using Microsoft.Extensions.Options;
using MyBlog.Core.Subscribers;

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

    /// <summary>
    /// The SES configuration set every message names (<c>X-SES-CONFIGURATION-SET</c>), whose event destination
    /// publishes bounces and complaints to the stack's topic. None locally.
    /// </summary>
    public string? ConfigurationSet { get; set; }

    [Required]
    public string FromName { get; set; } = "MyBlog";

    /// <summary>Each SMTP step (connect, greeting, each command) may take this long before the server counts as away.</summary>
    [TimeRange("00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// One whole message, from connecting to the server's answer after the data, may take at most this long — so a
    /// sender always finishes well inside its claim's lease (checked against Welcome:Lease at start).
    /// </summary>
    [TimeRange("00:00:00.500", "00:10:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Messages per second this process hands to the server, shared by every concurrent send (SES allows a fixed
    /// rate per account, 14/s for a new one, and answers 454 past it). On AWS the account's rate is split between
    /// the functions that send, each capped by reserved concurrency (see the stack).
    /// </summary>
    [Range(0.1, 10_000)]
    public double MaxSendRate { get; set; } = 14;

    /// <summary>
    /// How long one invocation keeps starting new sends: the function's timeout less one whole send and a margin, so
    /// a batch ends (and reports what it did not do) before Lambda would cut it off.
    /// </summary>
    [TimeRange("00:00:01", "00:15:00")]
    public TimeSpan BatchBudget { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>The same for a sweep, whose function runs longer (five minutes on AWS).</summary>
    [TimeRange("00:00:01", "00:15:00")]
    public TimeSpan SweepBudget { get; set; } = TimeSpan.FromMinutes(4);
}

/// <summary>A whole send must fit in the second half of a welcome claim's lease (the first half is for starting it).</summary>
public sealed class MailOptionsFitTheLease(IOptions<WelcomeOptions> welcome) : IValidateOptions<MailOptions>
{
    public ValidateOptionsResult Validate(string? name, MailOptions options) =>
        options.SendTimeout <= welcome.Value.Lease / 2
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Mail:SendTimeout ({options.SendTimeout}) must be at most half of Welcome:Lease ({welcome.Value.Lease}).");
}

/// <summary>The data annotations above, compiled.</summary>
[OptionsValidator]
public sealed partial class MailOptionsValidator : IValidateOptions<MailOptions>;
