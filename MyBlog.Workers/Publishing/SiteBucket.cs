using System.Net;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using MyBlog.Site.Building;

namespace MyBlog.Workers.Publishing;

/// <summary>
/// The site bucket as the publisher sees it: objects with their Content-Type and Cache-Control, and a manifest of
/// what was written (key → content hash), so a publish rewrites only what changed without reading every object.
/// </summary>
public sealed class SiteBucket(IAmazonS3 s3, IOptions<BucketOptions> buckets)
{
    /// <summary>Not part of the site; the edge never serves it.</summary>
    public const string ManifestKey = "_publisher/manifest.json";

    private string Bucket => buckets.Value.Site;

    public async Task<Dictionary<string, string>?> ReadManifestAsync(CancellationToken ct)
    {
        try
        {
            using var response = await s3.GetObjectAsync(Bucket, ManifestKey, ct);
            return await JsonSerializer.DeserializeAsync<Dictionary<string, string>>(response.ResponseStream, cancellationToken: ct);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task WriteManifestAsync(Dictionary<string, string> manifest, CancellationToken ct) =>
        s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Bucket,
            Key = ManifestKey,
            ContentBody = JsonSerializer.Serialize(manifest),
            ContentType = "application/json",
        }, ct);

    public Task PutAsync(SitePage page, CancellationToken ct)
    {
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = page.Key,
            InputStream = new MemoryStream(page.Body, writable: false),
            ContentType = page.ContentType,
        };
        request.Headers.CacheControl = page.CacheControl;
        if (page.RedirectTo is { } target)
        {
            request.Metadata.Add(SitePage.RedirectMetadata, target);
        }
        return s3.PutObjectAsync(request, ct);
    }

    public Task DeleteAsync(string key, CancellationToken ct) => s3.DeleteObjectAsync(Bucket, key, ct);
}
