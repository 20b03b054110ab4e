using MyBlog.Core.Newsletter;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Subscribers;

namespace MyBlog.Aws.Functions;

/// <summary>
/// Lambda's filter criteria for the table's stream, one pattern per kind of change a function cares about. The
/// event source mappings on AWS and LocalAws's locally apply the same strings.
/// </summary>
public static class StreamFilters
{
    /// <summary>
    /// A subscriber became owed a welcome: created (with the welcome owed), or subscribing again (a change that adds
    /// <c>welcomeDueAt</c>). Claims, retries and the send itself change an item that already had it, so they never
    /// come back here: only a new debt is delivered, and exactly once per debt as far as the filter is concerned.
    /// An imported subscriber's welcome is left to the sweep, which sends imports at the pace they were spread to.
    /// </summary>
    public const string NewSubscriber =
        """{"eventName":["INSERT"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"SUBSCRIBER#"}]}},"NewImage":{"welcomeDueAt":{"N":[{"exists":true}]},"importId":{"S":[{"exists":false}]}}}}""";

    public const string WelcomeOwedAgain =
        """{"eventName":["MODIFY"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"SUBSCRIBER#"}]}},"NewImage":{"welcomeDueAt":{"N":[{"exists":true}]}},"OldImage":{"welcomeDueAt":{"N":[{"exists":false}]}}}}""";

    /// <summary>A post that is, or was, published changed: its page and the lists may need rewriting.</summary>
    public const string PublishedPost =
        """{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"POST#"}]}},"NewImage":{"status":{"S":["published"]}}}}""";

    public const string UnpublishedPost =
        """{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"POST#"}]}},"OldImage":{"status":{"S":["published"]}}}}""";

    /// <summary>
    /// A photo became ready: the published pages that showed it before (its <c>awaitingPosts</c>) are rendered again
    /// with its variants.
    /// </summary>
    public const string PhotoReady =
        """{"eventName":["MODIFY"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"PHOTO#"}]}},"NewImage":{"status":{"S":["ready"]}},"OldImage":{"status":{"S":[{"anything-but":["ready"]}]}}}}""";

    /// <summary>The author changed the site's settings: every page shows them.</summary>
    public const string SiteSettings =
        """{"dynamodb":{"Keys":{"pk":{"S":["SITE#SETTINGS"]}}}}""";

    /// <summary>A post's newsletter job was created (the post's first publication): queue its recipients, once.</summary>
    public const string NewsletterJob =
        """{"eventName":["INSERT"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"NEWSLETTER#"}]},"sk":{"S":["JOB"]}}}}""";

    /// <summary>The author retried a job that failed (the server refused the message itself): plan it again.</summary>
    public const string NewsletterRetry =
        """{"eventName":["MODIFY"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"NEWSLETTER#"}]},"sk":{"S":["JOB"]}},"NewImage":{"retryRequestedAt":{"S":[{"exists":true}]}},"OldImage":{"retryRequestedAt":{"S":[{"exists":false}]}}}}""";

    /// <summary>Someone asked for a sign-in link, or an owner invited a person: the staff mailer emails a link.</summary>
    public const string SignInMail =
        """{"eventName":["INSERT"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"SIGNINMAIL#"}]}}}}""";

    /// <summary>The key prefixes the patterns name, as the stores write them (a test holds them together).</summary>
    public static IReadOnlyList<string> PartitionPrefixes { get; } =
        [SubscriberKeys.PartitionPrefix, PostStore.PartitionPrefix, PhotoStore.PartitionPrefix, NewsletterStore.PartitionPrefix, Core.Staff.SignInLinks.RequestPrefix];
}
