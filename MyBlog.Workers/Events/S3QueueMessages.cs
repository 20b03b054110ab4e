using MyBlog.Core.Events;

namespace MyBlog.Workers.Events;

/// <summary>
/// SQS messages that carry S3 ObjectCreated notifications (S3 → SQS → Lambda): each object is handed to the
/// handler's work; a message whose work throws is reported by its messageId, so only it is received again (and after
/// the queue's maximum receive count lands in the dead-letter queue). A message that is not an S3 notification is
/// failed too: no retry mends it, but failing it keeps it, in the dead-letter queue, to be looked at.
/// </summary>
public static class S3QueueMessages
{
    public static async Task<BatchResponse> ProcessAsync(
        SqsEvent sqsEvent, ILogger logger, Func<string, string, int, CancellationToken, Task> process, CancellationToken ct)
    {
        var failures = new List<string>();
        foreach (var message in sqsEvent.Records ?? [])
        {
            var messageId = message.MessageId ?? "";
            if (S3EventNotification.TryParse(message.Body) is not { } notification)
            {
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
                    await process(bucket, key, message.ReceiveCount, ct);
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
