namespace MyBlog.Core.Storage;

/// <summary>
/// The three buckets' names, by what they hold. Bound from "Buckets"; the defaults are the local emulator's buckets
/// (<see cref="MyBlogBuckets"/>), the stack sets its own.
/// </summary>
public sealed class BucketOptions
{
    public const string Section = "Buckets";

    /// <summary>The static site, written by the publisher and read by the edge (and the API's fallback).</summary>
    public string Site { get; set; } = MyBlogBuckets.Site;

    /// <summary>Uploaded photo originals and blog archives, written by presigned PUTs.</summary>
    public string Uploads { get; set; } = MyBlogBuckets.Uploads;

    /// <summary>The photos' variants, written by the thumbnail worker.</summary>
    public string Media { get; set; } = MyBlogBuckets.Media;
}
