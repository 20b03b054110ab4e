using MyBlog.Core;

namespace MyBlog.Workers.Thumbnails;

/// <summary>Where originals are read and variants written. Bound from "Photos".</summary>
public sealed class PhotosOptions
{
    public const string Section = "Photos";

    public string UploadsBucket { get; set; } = MyBlogBuckets.Uploads;

    public string MediaBucket { get; set; } = MyBlogBuckets.Media;
}
