using MyBlog.Core;
using MyBlog.Core.Events;
using MyBlog.Workers.Events;
using MyBlog.Workers.Thumbnails;

namespace MyBlog.Workers.Handlers;

/// <summary>
/// <c>POST /events/thumbnails</c>: an SQS event whose messages carry S3 ObjectCreated notifications for uploaded
/// originals → variants and the photo's record. A message that fails is reported by its messageId, so only it is
/// received again (and, after the queue's maximum receive count, lands in the dead-letter queue); a file that is
/// not a usable photo is not a failure — it is recorded as such and the message is done.
/// </summary>
public static class ThumbnailsHandler
{
    public static IEndpointRouteBuilder MapThumbnailsHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(QueueSubscriptions.Thumbnails.Path, HandleAsync)
            .WithName("Thumbnails")
            .WithSummary("SQS event (S3 ObjectCreated on uploads/) → photo variants in the media bucket; answers batchItemFailures.");
        return app;
    }

    public static async Task<BatchResponse> HandleAsync(
        SqsEvent sqsEvent, PhotoProcessor processor, ILogger<PhotoProcessor> logger, CancellationToken ct)
    {
        var failures = new List<string>();
        foreach (var message in sqsEvent.Records ?? [])
        {
            var messageId = message.MessageId ?? "";
            var notification = S3EventNotification.TryParse(message.Body);
            if (notification is null)
            {
                // Not something a retry can mend, but failing it keeps it: it ends up in the dead-letter queue to be looked at.
                logger.LogError("SQS message {MessageId} is not an S3 event notification", messageId);
                failures.Add(messageId);
                continue;
            }
            foreach (var record in notification.Records ?? [])
            {
                if (record.EventName?.StartsWith("ObjectCreated:", StringComparison.Ordinal) != true
                    || record.S3?.Bucket?.Name is not { } bucket || record.S3.Object?.Key is not { } encodedKey)
                {
                    continue;
                }
                var key = S3ObjectEntity.DecodeKey(encodedKey);
                try
                {
                    await processor.ProcessAsync(bucket, key, message.ReceiveCount, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Processing s3://{Bucket}/{Key} failed; message {MessageId} will be received again", bucket, key, messageId);
                    failures.Add(messageId);
                    break;
                }
            }
        }
        return BatchResponse.From(failures);
    }
}
