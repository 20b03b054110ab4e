using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Photos;

namespace MyBlog.Api.Apis;

/// <summary>
/// Presigns the PUT of a photo's original: bound to its content type (a signed header), valid for the configured
/// lifetime, carrying the trace context as object metadata. With <see cref="PhotosOptions.TransferAcceleration"/>
/// (AWS mode) the API's S3 client is configured for the Transfer Acceleration endpoint, so an author far from the
/// home region uploads to the nearest edge location (the API uses S3 only to presign uploads).
/// </summary>
public sealed class UploadUrlSigner
{
    private readonly IAmazonS3 _s3;
    private readonly PhotosOptions _options;

    public UploadUrlSigner(IAmazonS3 s3, IOptions<PhotosOptions> options)
    {
        _s3 = s3;
        _options = options.Value;
    }

    public async Task<PhotoUploadTicket> SignAsync(Photo photo, string? traceParent, DateTimeOffset expires)
    {
        // Tagged unprocessed: the uploads bucket's lifecycle rule deletes originals that keep this tag (never processed).
        var (url, headers) = await SignPutAsync(Photo.OriginalKey(photo.Id), photo.ContentType, photo.DeclaredSize, traceParent, expires, Photo.UnprocessedTagging);
        return new PhotoUploadTicket(photo.Id, url, "PUT", headers, expires);
    }

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
            BucketName = _options.UploadsBucket,
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
