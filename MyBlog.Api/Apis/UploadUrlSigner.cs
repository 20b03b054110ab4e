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
        var presign = new GetPreSignedUrlRequest
        {
            BucketName = _options.UploadsBucket,
            Key = Photo.OriginalKey(photo.Id),
            Verb = HttpVerb.PUT,
            Expires = expires.UtcDateTime,
            ContentType = photo.ContentType,
            // The emulator speaks plain HTTP; on AWS it is HTTPS.
            Protocol = _s3.Config.ServiceURL?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS,
        };
        // Tagged unprocessed: the uploads bucket's lifecycle rule deletes originals that keep this tag (never processed).
        presign.Headers["x-amz-tagging"] = Photo.UnprocessedTagging;
        var headers = new Dictionary<string, string> { ["Content-Type"] = photo.ContentType, ["x-amz-tagging"] = Photo.UnprocessedTagging };
        if (traceParent is not null)
        {
            presign.Metadata.Add("traceparent", traceParent);
            headers["x-amz-meta-traceparent"] = traceParent;
        }
        var url = await _s3.GetPreSignedURLAsync(presign);
        return new PhotoUploadTicket(photo.Id, url, "PUT", headers, expires);
    }
}
