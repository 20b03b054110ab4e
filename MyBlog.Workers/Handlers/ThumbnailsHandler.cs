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

    public static Task<BatchResponse> HandleAsync(
        SqsEvent sqsEvent, PhotoProcessor processor, ILogger<PhotoProcessor> logger, CancellationToken ct) =>
        S3QueueMessages.ProcessAsync(sqsEvent, logger, processor.ProcessAsync, ct);
}
