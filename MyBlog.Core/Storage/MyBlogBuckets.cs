namespace MyBlog.Core.Storage;

/// <summary>
/// The three buckets: the static site, photo uploads (originals) and media (generated variants, kept apart from
/// uploads so writing a thumbnail can never trigger another upload event). Local names; the CDK stack derives
/// unique names from the same roles.
/// </summary>
public static class MyBlogBuckets
{
    public const string Site = "myblog-site";
    public const string Uploads = "myblog-uploads";
    public const string Media = "myblog-media";

    public static IReadOnlyList<string> All { get; } = [Site, Uploads, Media];
}
