using MyBlog.Aws.Events;

namespace MyBlog.Workers.Events;

/// <summary>
/// SQS messages that carry S3 ObjectCreated notifications (S3 → SQS → Lambda): each object is handed to the
/// handler's work; a message whose work throws is reported by its messageId, so only it is received again (and after
/// the queue's maximum receive count lands in the dead-letter queue). A message that is not an S3 notification is
/// failed too: no retry mends it, but failing it keeps it, in the dead-letter queue, to be looked at.
/// </summary>
public static class S3QueueMessages
{
    /// <param name="process">The work for one object: its bucket, key, and how many times its message has been received.</param>
    public static async Task<BatchResponse> ProcessAsync(
        SqsEvent sqsEvent, ILogger logger, Func<string, string, int, CancellationToken, Task> process, CancellationToken ct)
    {
        var failures = new BatchFailures(logger, ct);
        foreach (var message in sqsEvent.Records ?? [])
        {
            var messageId = message.MessageId ?? "";
            if (S3EventNotification.TryParse(message.Body) is not { } notification)
            {
                logger.LogError("SQS message {MessageId} is not an S3 event notification", messageId);
                failures.Add(messageId);
                continue;
            }
            var objects = (notification.Records ?? [])
                .Where(r => r.EventName?.StartsWith("ObjectCreated:", StringComparison.Ordinal) == true
                    && r.S3?.Bucket?.Name is not null && r.S3.Object?.Key is not null)
                .Select(r => (Bucket: r.S3!.Bucket!.Name!, Key: S3ObjectEntity.DecodeKey(r.S3.Object!.Key!)));
            foreach (var (bucket, key) in objects)
            {
                var done = await failures.RunAsync(messageId, async token =>
                {
                    await process(bucket, key, message.ReceiveCount, token);
                    return true;
                }, "Processing s3://{Bucket}/{Key} failed; message {MessageId} will be received again", bucket, key, messageId);
                if (!done)
                {
                    break;
                }
            }
        }
        return failures.Response();
    }
}
