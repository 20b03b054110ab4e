using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using MyBlog.Core;

namespace MyBlog.Workers.Newsletter;

/// <summary>Where newsletter batches go and how long a send may hold a recipient. Bound from "Newsletter".</summary>
public sealed class NewsletterOptions
{
    public const string Section = "Newsletter";

    /// <summary>The newsletter queue's URL (SQS on AWS, LocalAws's locally).</summary>
    [Required]
    public string QueueUrl { get; set; } = "";

    /// <summary>
    /// How long a claim on one recipient excludes every other sender; the message must be handed over in the first
    /// half. A sender that dies leaves the recipient to the batch's redelivery once the lease has passed.
    /// </summary>
    [TimeRange("00:00:02", "00:15:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Recipients of one batch sent at once. A send spends most of its time waiting on the mail server (a connection,
    /// a TLS handshake, the dialogue), so one at a time would send far below the pace; the pace caps the rate anyway.
    /// </summary>
    [Range(1, 16)]
    public int Parallelism { get; set; } = 4;
}

/// <summary>The data annotations above, compiled.</summary>
[OptionsValidator]
public sealed partial class NewsletterOptionsValidator : IValidateOptions<NewsletterOptions>;
