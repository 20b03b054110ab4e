using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Constructs;
using MyBlog.Core.Photos;

namespace MyBlog.Infrastructure;

/// <summary>
/// The site, uploads and media buckets: private (all public access blocked, no ACLs, only CloudFront reads site and
/// media), TLS only, encrypted. Uploads take browser PUTs from the site's origin through Transfer Acceleration and
/// forget originals that were never processed; variants go to the media bucket, so writing one never raises an
/// upload event.
/// </summary>
public sealed class Buckets : Construct
{
    /// <summary>Originals still tagged unprocessed this long after upload are deleted.</summary>
    public static readonly Duration UnprocessedOriginalsExpire = Duration.Days(2);

    public Bucket Site { get; }
    public Bucket Uploads { get; }
    public Bucket Media { get; }

    public Buckets(Construct scope, string id, StackSettings settings) : base(scope, id)
    {
        Site = Private("Site");
        Media = Private("Media");
        Uploads = Private("Uploads", new BucketProps
        {
            TransferAcceleration = true,
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Id = "DeleteUnprocessedOriginals",
                    Prefix = Photo.OriginalsPrefix,
                    TagFilters = new Dictionary<string, object> { [Photo.StatusTagKey] = Photo.UnprocessedTagValue },
                    Expiration = UnprocessedOriginalsExpire,
                },
                new LifecycleRule { Id = "AbortIncompleteUploads", AbortIncompleteMultipartUploadAfter = Duration.Days(1) },
            ],
        });
    }

    /// <summary>Browser uploads are allowed from the site's origin only (known once the distribution exists).</summary>
    public void AllowUploadsFrom(string siteOrigin) => Uploads.AddCorsRule(new CorsRule
    {
        AllowedOrigins = [siteOrigin],
        AllowedMethods = [HttpMethods.PUT],
        AllowedHeaders = ["content-type", "x-amz-meta-traceparent", "x-amz-tagging"],
        ExposedHeaders = ["ETag"],
        MaxAge = 3000,
    });

    private Bucket Private(string id, BucketProps? extra = null) => new(this, id, new BucketProps
    {
        BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
        EnforceSSL = true,
        MinimumTLSVersion = 1.2,
        Encryption = BucketEncryption.S3_MANAGED,
        ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
        RemovalPolicy = RemovalPolicy.RETAIN,
        TransferAcceleration = extra?.TransferAcceleration,
        LifecycleRules = extra?.LifecycleRules,
    });
}
