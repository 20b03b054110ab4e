using Microsoft.Extensions.Options;
using MyBlog.Core;

namespace MyBlog.Workers.Publishing;

/// <summary>How the static site is published and whom to tell. Bound from "Publishing".</summary>
public sealed class PublishingOptions
{
    public const string Section = "Publishing";

    /// <summary>Locally: the edge, which takes invalidations at <c>/_edge/invalidations</c>.</summary>
    public string? EdgeUrl { get; set; }

    /// <summary>
    /// Render the whole site at start when the bucket has never been published to (and report unhealthy until
    /// then). Locally the publisher does; on AWS no function does, the deploy's custom resource renders the site.
    /// </summary>
    public bool BuildOnStart { get; set; } = true;

    /// <summary>
    /// How long a publisher's hold on the site lasts if it is never released (its process died): longer than the
    /// publish function's timeout, so a live publisher never loses it.
    /// </summary>
    [TimeRange("00:00:01", "00:30:00")]
    public TimeSpan LockLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a publish waits for another one to finish before it gives up (and the stream retries it).</summary>
    [TimeRange("00:00:00", "00:15:00")]
    public TimeSpan LockWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>On AWS: the CloudFront distribution to invalidate (from the stack's outputs). Takes precedence over EdgeUrl.</summary>
    public string? DistributionId { get; set; }

    /// <summary>
    /// Also answer custom resource requests whose response URL is on the loopback address (a local stand-in for CloudFormation
    /// in tests). Off: only CloudFormation's own response URLs are answered.
    /// </summary>
    public bool AllowLocalResponseUrls { get; set; }
}

/// <summary>The data annotations above, compiled.</summary>
[OptionsValidator]
public sealed partial class PublishingOptionsValidator : IValidateOptions<PublishingOptions>;
