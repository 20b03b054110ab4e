using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SQS;
using Constructs;
using MyBlog.Aws.Functions;
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

    /// <summary>Access logs: every bucket's (S3 server access logs) and the distribution's, kept 90 days.</summary>
    public Bucket Logs { get; }

    public static readonly Duration LogsExpire = Duration.Days(90);

    /// <summary>
    /// The uploads bucket's name, known without referring to the bucket: the editor's CSP and the queue's policy name
    /// it, and the bucket refers to both (its CORS names the distribution, its notifications the queue), so a
    /// reference back would be a cycle CloudFormation refuses.
    /// </summary>
    public string UploadsBucketName { get; }

    /// <summary>
    /// The uploads bucket's fixed name (the site's pages and the edge's content security policy name it before the
    /// stack exists). Retained like every bucket, it is the one a rolled-back first attempt leaves in the way.
    /// </summary>
    public static string UploadsBucketNameIn(string account, string region) => $"myblog-uploads-{account}-{region}";

    public string UploadsBucketArn => $"arn:{Stack.Of(this).Partition}:s3:::{UploadsBucketName}";

    /// <summary>
    /// A replica region's media bucket's fixed name: the home region's distribution falls back to it, and the other
    /// regions' buckets replicate to it, before (and without) any reference to the stack that makes it.
    /// </summary>
    public static string MediaBucketNameIn(string account, string region) => $"myblog-media-{account}-{region}";

    /// <summary>Replaced versions of media (a photo replaced, a variant rewritten) are kept this long, then deleted.</summary>
    public static readonly Duration NoncurrentMediaExpire = Duration.Days(30);

    public Buckets(Construct scope, string id, StackSettings settings) : base(scope, id)
    {
        var stack = Stack.Of(this);
        UploadsBucketName = UploadsBucketNameIn(stack.Account, stack.Region);
        Logs = new Bucket(this, "Logs", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            MinimumTLSVersion = 1.2,
            Encryption = BucketEncryption.S3_MANAGED,
            // CloudFront delivers its standard logs with an object ACL (the awslogsdelivery account), so this one
            // bucket keeps ACLs; everything else in it stays the bucket owner's.
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_PREFERRED,
            RemovalPolicy = RemovalPolicy.RETAIN,
            LifecycleRules = [new LifecycleRule { Id = "ExpireLogs", Expiration = LogsExpire }],
        });
        Site = Private("Site");
        // With more than one region, every region's media bucket is a copy of the others' (S3 replication, which needs
        // versioning on both sides); a replica region's has a fixed name, so the distribution and the replication
        // rules can name it before its stack exists.
        var replicaRegion = settings.MultiRegion && stack.Region != settings.HomeRegion;
        Media = Private("Media", settings.MultiRegion ? new BucketProps
        {
            BucketName = replicaRegion ? MediaBucketNameIn(stack.Account, stack.Region) : null,
            Versioned = true,
            LifecycleRules = [new LifecycleRule { Id = "ExpireReplacedMedia", NoncurrentVersionExpiration = NoncurrentMediaExpire }],
        } : null);
        Uploads = Private("Uploads", new BucketProps
        {
            BucketName = UploadsBucketName,
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
                // The import worker deletes an archive once imported; one never imported (the author left) goes too.
                new LifecycleRule { Id = "ExpireImportArchives", Prefix = Core.Imports.ImportJob.ArchivesPrefix, Expiration = Duration.Days(7) },
                new LifecycleRule { Id = "AbortIncompleteUploads", AbortIncompleteMultipartUploadAfter = Duration.Days(1) },
            ],
        });
    }

    /// <summary>The bucket of a role.</summary>
    public Bucket Of(BucketRole role) => role switch
    {
        BucketRole.Site => Site,
        BucketRole.Uploads => Uploads,
        BucketRole.Media => Media,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>
    /// Browser uploads are allowed from the site's origin (known once the distribution exists) and from
    /// <paramref name="extraOrigins"/> only (AWS mode's local edge).
    /// </summary>
    public void AllowUploadsFrom(string siteOrigin, IEnumerable<string> extraOrigins) => Uploads.AddCorsRule(new CorsRule
    {
        AllowedOrigins = [siteOrigin, .. extraOrigins],
        AllowedMethods = [HttpMethods.PUT],
        AllowedHeaders = ["content-type", "x-amz-meta-traceparent", "x-amz-tagging"],
        ExposedHeaders = ["ETag"],
        MaxAge = 3000,
    });

    /// <summary>
    /// A replica region's media bucket is the home distribution's fallback for /media/*: CloudFront (that distribution
    /// only, through its origin access control) may read it. The bucket policy is this stack's to write; the
    /// distribution, made in the home region's stack, cannot add it as it does to buckets of its own stack.
    /// </summary>
    public void AllowDistributionToReadMedia(string distributionId)
    {
        var stack = Stack.Of(this);
        Media.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ServicePrincipal("cloudfront.amazonaws.com")],
            Actions = ["s3:GetObject"],
            Resources = [Media.ArnForObjects("*")],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["AWS:SourceArn"] = $"arn:{stack.Partition}:cloudfront::{stack.Account}:distribution/{distributionId}" },
            },
        }));
    }

    /// <summary>
    /// ObjectCreated under <paramref name="prefix"/> → <paramref name="queue"/>, set on the bucket itself rather than
    /// through CDK's notifications custom resource (whose handler may rewrite the notifications of any bucket). S3
    /// checks it may send to the queue when it saves the configuration, so the bucket waits for the queue's policy.
    /// </summary>
    private readonly List<object> _uploadNotifications = [];

    public void NotifyOnUpload(BucketRole role, Queue queue, string prefix)
    {
        if (role != BucketRole.Uploads)
        {
            // Only uploads raise events: the site and media buckets are written by MyBlog itself.
            throw new ArgumentException($"Only the uploads bucket notifies; {role} does not.", nameof(role));
        }
        queue.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ServicePrincipal("s3.amazonaws.com")],
            Actions = ["sqs:SendMessage"],
            Resources = [queue.QueueArn],
            Conditions = new Dictionary<string, object>
            {
                ["ArnEquals"] = new Dictionary<string, object> { ["aws:SourceArn"] = UploadsBucketArn },
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(this).Account },
            },
        }));
        // Each call adds its prefix's queue to the bucket's one notification configuration.
        _uploadNotifications.Add(new CfnBucket.QueueConfigurationProperty
        {
            Event = "s3:ObjectCreated:*",
            Queue = queue.QueueArn,
            Filter = new CfnBucket.NotificationFilterProperty
            {
                S3Key = new CfnBucket.S3KeyFilterProperty
                {
                    Rules = new object[] { new CfnBucket.FilterRuleProperty { Name = "prefix", Value = prefix } },
                },
            },
        });
        var bucket = (CfnBucket)Uploads.Node.DefaultChild!;
        bucket.NotificationConfiguration = new CfnBucket.NotificationConfigurationProperty { QueueConfigurations = _uploadNotifications.ToArray() };
        Uploads.Node.AddDependency(queue); // the queue and its policy
    }

    private Bucket Private(string id, BucketProps? extra = null) => new(this, id, new BucketProps
    {
        ServerAccessLogsBucket = Logs,
        ServerAccessLogsPrefix = $"s3/{id.ToLowerInvariant()}/",
        BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
        EnforceSSL = true,
        MinimumTLSVersion = 1.2,
        Encryption = BucketEncryption.S3_MANAGED,
        ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
        RemovalPolicy = RemovalPolicy.RETAIN,
        BucketName = extra?.BucketName,
        Versioned = extra?.Versioned,
        TransferAcceleration = extra?.TransferAcceleration,
        LifecycleRules = extra?.LifecycleRules,
    });
}
