using System.ComponentModel.DataAnnotations;
using MyBlog.Core;
using Microsoft.Extensions.Options;
using MyBlog.Core.Subscribers;

namespace MyBlog.Workers.Mail;

/// <summary>
/// The mail service and the sender: SES's API, called by this process's own AWS identity (the function's role on
/// AWS). Locally LocalAws answers the same API and hands each message to the mail sink.
/// </summary>
public sealed class MailOptions
{
    public const string Section = "Mail";

    /// <summary>SES's endpoint; unset on AWS, where it is <c>https://email.&lt;region&gt;.amazonaws.com</c>.</summary>
    [Url]
    public string? ServiceUrl { get; set; }

    /// <summary>The region SES is called in (and signed for); unset, Aws:Region or the process's AWS_REGION.</summary>
    public string? Region { get; set; }

    [Required, EmailAddress]
    public string FromAddress { get; set; } = "hello@myblog.local";

    /// <summary>
    /// The SES configuration set every SendEmail call names, whose event destination publishes bounces and complaints
    /// to the stack's topic. None locally.
    /// </summary>
    public string? ConfigurationSet { get; set; }

    [Required]
    public string FromName { get; set; } = "MyBlog";

    /// <summary>How long a call to SES may take, from connecting to its answer, before SES counts as away.</summary>
    [TimeRange("00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// One whole message, from its turn at the pace to SES's answer, may take at most this long — so a
    /// sender always finishes well inside its claim's lease (checked against Welcome:Lease at start).
    /// </summary>
    [TimeRange("00:00:00.500", "00:10:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>SES's endpoint: <see cref="ServiceUrl"/>, or the region's own.</summary>
    public Uri Endpoint() => ServiceUrl is { Length: > 0 } url ? new Uri(url) : new Uri($"https://email.{SigningRegion()}.amazonaws.com/");

    public string SigningRegion() => Region is { Length: > 0 } region ? region : Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";

    /// <summary>
    /// Messages per second this process hands to the server, shared by every concurrent send (SES allows a fixed
    /// rate per account, 14/s for a new one, and throttles past it). On AWS the account's rate is split between
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
