using System.Diagnostics;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Photos;
using MyBlog.Core.Storage;
using MyBlog.Workers.Events;

namespace MyBlog.Workers.Thumbnails;

public enum PhotoOutcome
{
    /// <summary>Variants written and the photo recorded as ready.</summary>
    Ready,

    /// <summary>The file cannot be a photo; recorded as failed with the reason. Retrying would not help.</summary>
    Failed,

    /// <summary>This original was processed before (a redelivered event); nothing was written.</summary>
    AlreadyProcessed,

    /// <summary>The key is not a photo original, or names no photo we know; nothing to do.</summary>
    Ignored,
}

/// <summary>
/// One uploaded original → variants in the media bucket and the photo's record. Refusals (not an image, truncated,
/// too large) are recorded once and reported as done, so a bad file never loops; only failures that a retry can
/// cure (storage or the table unreachable) throw.
/// </summary>
public sealed class PhotoProcessor(
    IAmazonS3 s3, PhotoStore photos, ThumbnailGenerator generator, IOptions<BucketOptions> buckets, TimeProvider time,
    ILogger<PhotoProcessor> logger)
{
    /// <summary>Another original of the same photo is being processed; the event is retried (and then finds the photo ready).</summary>
    public sealed class BusyException(string id) : Exception($"Photo {id} is being processed from another upload.");

    /// <param name="receiveCount">
    /// How often the queue has delivered this event. The last delivery before the dead-letter queue records the
    /// photo as failed instead of trying again: attempts that never finished (a Lambda timeout or a crash leaves
    /// no word) would otherwise end in the dead-letter queue with the photo waiting for its upload forever.
    /// </param>
    public async Task<PhotoOutcome> ProcessAsync(string bucket, string key, int receiveCount, CancellationToken ct)
    {
        var id = Photo.IdFromOriginalKey(key);
        if (bucket != buckets.Value.Uploads || id is null)
        {
            logger.LogWarning("Ignoring s3://{Bucket}/{Key}: not a photo original", bucket, key);
            return PhotoOutcome.Ignored;
        }
        var photo = await photos.GetAsync(id, ct);
        if (photo is null)
        {
            logger.LogWarning("Ignoring s3://{Bucket}/{Key}: no photo {PhotoId} was requested", bucket, key, id);
            return PhotoOutcome.Ignored;
        }
        if (photo.Status == PhotoStatus.Ready)
        {
            return PhotoOutcome.AlreadyProcessed;
        }

        GetObjectResponse original;
        try
        {
            original = await s3.GetObjectAsync(bucket, key, ct);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Deleted since (the lifecycle rule, or a newer event already handled it): nothing left to process.
            logger.LogWarning("s3://{Bucket}/{Key} no longer exists", bucket, key);
            return PhotoOutcome.Ignored;
        }

        using (original)
        {
            var traceParent = original.Metadata["traceparent"];
            using var span = RecordActivity.Start("thumbnails", ActivityContext.TryParse(traceParent, null, isRemote: true, out var c) ? c : null);
            span?.SetTag("myblog.photo.id", id);
            var etag = original.ETag;
            if (photo.Status == PhotoStatus.Failed && photo.SourceETag == etag)
            {
                return PhotoOutcome.AlreadyProcessed;
            }
            if (receiveCount >= AwsFunctions.Thumbnails.Queue.MaxReceiveCount)
            {
                return await FailAsync(span, id, $"The photo could not be processed in {receiveCount - 1} attempts: it may be too large or too complex to decode.",
                    etag, original.ContentLength, ct);
            }
            if (!await photos.TryClaimProcessingAsync(id, etag, time.GetUtcNow() + AwsFunctions.Thumbnails.FunctionTimeout * 2, ct))
            {
                throw new BusyException(id);
            }
            if (original.ContentLength > PhotoUploads.MaxBytes)
            {
                return await FailAsync(span, id, $"The file is {original.ContentLength / (1024 * 1024)} MB; photos can be at most {PhotoUploads.MaxBytes / (1024 * 1024)} MB.", etag, original.ContentLength, ct);
            }

            var bytes = new byte[original.ContentLength];
            await original.ResponseStream.ReadExactlyAsync(bytes, ct);
            var result = generator.Generate(bytes, ct);
            span?.SetTag("myblog.photo.bytes", bytes.Length);
            if (result.Refusal is not null)
            {
                return await FailAsync(span, id, result.Refusal, etag, bytes.Length, ct);
            }

            await Parallel.ForEachAsync(result.Variants, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
                async (variant, token) => await PutVariantAsync(id, variant, token));
            var image = new PhotoImage(id, result.Width, result.Height, result.Variants.Select(v => v.Width).Distinct().ToList());
            // Processed originals are kept (to make new sizes later); the lifecycle rule only deletes unprocessed ones.
            await s3.PutObjectTaggingAsync(new PutObjectTaggingRequest
            {
                BucketName = bucket,
                Key = key,
                Tagging = new Tagging { TagSet = [new Tag { Key = Photo.StatusTagKey, Value = Photo.ProcessedTagValue }] },
            }, ct);
            if (!await photos.MarkReadyAsync(image, result.Kind!.Value.ToString().ToLowerInvariant(), bytes.Length, etag, ct))
            {
                logger.LogWarning("Photo {PhotoId} was already made ready from another upload; this one ({ETag}) is not used", id, etag);
                return PhotoOutcome.AlreadyProcessed;
            }
            span?.SetTag("myblog.photo.variants", result.Variants.Count);
            logger.LogInformation("Photo {PhotoId} ready: {Width}×{Height} {Format}, {Count} variants", id, result.Width, result.Height, result.Kind, result.Variants.Count);
            return PhotoOutcome.Ready;
        }
    }

    private async Task<PhotoOutcome> FailAsync(Activity? span, string id, string reason, string etag, long bytes, CancellationToken ct)
    {
        span?.SetStatus(ActivityStatusCode.Error, reason);
        logger.LogWarning("Photo {PhotoId} refused: {Reason}", id, reason);
        await photos.MarkFailedAsync(id, reason, etag, bytes, ct);
        return PhotoOutcome.Failed;
    }

    private Task PutVariantAsync(string id, ThumbnailVariant variant, CancellationToken ct)
    {
        var request = new PutObjectRequest
        {
            BucketName = buckets.Value.Media,
            Key = PhotoImage.VariantKey(id, variant.Width, variant.Extension),
            InputStream = new MemoryStream(variant.Bytes, writable: false),
            ContentType = variant.ContentType,
        };
        request.Headers.CacheControl = PhotoImage.ImmutableCacheControl;
        return s3.PutObjectAsync(request, ct);
    }
}
