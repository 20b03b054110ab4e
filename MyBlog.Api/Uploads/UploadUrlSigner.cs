using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;

namespace MyBlog.Api.Uploads;

/// <summary>How uploads are signed. Bound from "Uploads".</summary>
public sealed class UploadOptions
{
    public const string Section = "Uploads";

    public TimeSpan UploadUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Presign against the S3 Transfer Acceleration endpoint (on AWS; the uploads bucket has it enabled).</summary>
    public bool TransferAcceleration { get; set; }
}

/// <summary>
/// Presigns PUTs to the uploads bucket: bound to the content type and size (signed headers), valid for the configured
/// lifetime, carrying the trace context as object metadata. With <see cref="UploadOptions.TransferAcceleration"/> the
/// API's S3 client is configured for the Transfer Acceleration endpoint, so an author far from the home region
/// uploads to the nearest edge location (the API uses S3 only to presign uploads).
/// </summary>
public sealed class UploadUrlSigner
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;

    public UploadUrlSigner(IAmazonS3 s3, IOptions<BucketOptions> buckets, IOptions<UploadOptions> options)
    {
        _s3 = s3;
        _bucket = buckets.Value.Uploads;
        Lifetime = options.Value.UploadUrlLifetime;
    }

    /// <summary>How long a signed URL stays valid.</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>
    /// A presigned PUT of <paramref name="key"/> in the uploads bucket, and the headers the browser must send with it.
    /// Content-Length is a signed header: S3 accepts exactly the declared size and refuses any other before storing a
    /// byte, so a file declared as 1 MB cannot turn out to be 5 GB. (A browser sends Content-Length itself, from the
    /// file; it is not among the headers to set.)
    /// </summary>
    public async Task<(string Url, Dictionary<string, string> Headers)> SignPutAsync(
        string key, string contentType, long size, string? traceParent, DateTimeOffset expires, string? tagging = null)
    {
        var presign = new GetPreSignedUrlRequest
        {
            BucketName = _bucket,
            Key = key,
            Verb = HttpVerb.PUT,
            Expires = expires.UtcDateTime,
            ContentType = contentType,
            // The emulator speaks plain HTTP; on AWS it is HTTPS.
            Protocol = _s3.Config.ServiceURL?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS,
        };
        presign.Headers.ContentLength = size;
        var headers = new Dictionary<string, string> { ["Content-Type"] = contentType };
        if (tagging is not null)
        {
            presign.Headers["x-amz-tagging"] = tagging;
            headers["x-amz-tagging"] = tagging;
        }
        if (traceParent is not null)
        {
            presign.Metadata.Add("traceparent", traceParent);
            headers["x-amz-meta-traceparent"] = traceParent;
        }
        return (await _s3.GetPreSignedURLAsync(presign), headers);
    }
}
