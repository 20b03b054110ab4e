using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using MyBlog.Core;
using MyBlog.Core.Storage;
using MyBlog.Site.Building;

namespace MyBlog.Benchmarks;

/// <summary>Puts a built site into the S3 emulator's site bucket, so the edge and nginx serve the same files.</summary>
public static class SiteUpload
{
    public static async Task RunAsync(string directory, string s3Url)
    {
        using var s3 = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"),
            new AmazonS3Config { ServiceURL = s3Url, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToList();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (file, ct) =>
        {
            var key = Path.GetRelativePath(directory, file).Replace('\\', '/');
            var request = new PutObjectRequest { BucketName = MyBlogBuckets.Site, Key = key, FilePath = file, ContentType = ContentType(key) };
            request.Headers.CacheControl = key.StartsWith("assets/", StringComparison.Ordinal) ? SitePage.Immutable : SitePage.Revalidate;
            await s3.PutObjectAsync(request, ct);
        });
        Console.WriteLine($"uploaded {files.Count} files to {MyBlogBuckets.Site}");
    }

    private static string ContentType(string key) => Path.GetExtension(key) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".xml" => "application/xml; charset=utf-8",
        ".txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
}
