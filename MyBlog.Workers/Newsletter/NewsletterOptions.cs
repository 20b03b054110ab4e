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

    /// <summary>
    /// With a stack in several regions, how long a new job waits before it is planned: longer than the table's
    /// replication takes, so that when two regions published one post at once (an author's retry landing in the
    /// other region, the scheduled-publishing run in both), both see the job that won (global tables keep the last
    /// writer) and only the region that made it sends. Zero in one region.
    /// </summary>
    [TimeRange("00:00:00", "00:05:00")]
    public TimeSpan Settle { get; set; } = TimeSpan.Zero;
}

/// <summary>The data annotations above, compiled.</summary>
[OptionsValidator]
public sealed partial class NewsletterOptionsValidator : IValidateOptions<NewsletterOptions>;
