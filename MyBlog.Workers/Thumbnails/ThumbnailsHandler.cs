using Microsoft.Extensions.DependencyInjection.Extensions;
using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core.Photos;
using MyBlog.Core.Storage;
using MyBlog.Workers.Events;
using MyBlog.Workers.Hosting;

namespace MyBlog.Workers.Thumbnails;

/// <summary>
/// An SQS event whose messages carry S3 ObjectCreated notifications for uploaded originals → variants and the
/// photo's record. A message that fails is reported by its messageId, so only it is received again (and, after the
/// queue's maximum receive count, lands in the dead-letter queue); a file that is not a usable photo is not a
/// failure — it is recorded as such and the message is done.
/// </summary>
public sealed class ThumbnailsHandler : IWorkerHandler
{
    public FunctionDeclaration Function => AwsFunctions.Thumbnails;

    public void AddServices(IHostApplicationBuilder builder) => builder.AddThumbnails();

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("SQS event (S3 ObjectCreated on uploads/) → photo variants in the media bucket; answers batchItemFailures.");

    public static Task<BatchResponse> HandleAsync(
        SqsEvent sqsEvent, PhotoProcessor processor, ILogger<PhotoProcessor> logger, CancellationToken ct) =>
        S3QueueMessages.ProcessAsync(sqsEvent, logger, processor.ProcessAsync, ct);
}

public static class ThumbnailServices
{
    public static void AddThumbnails(this IHostApplicationBuilder builder)
    {
        if (!builder.FirstTime("thumbnails"))
        {
            return;
        }
        builder.AddBuckets();
        builder.Services.TryAddSingleton<PhotoStore>();
        builder.Services.TryAddSingleton<ThumbnailGenerator>();
        builder.Services.AddSingleton<PhotoProcessor>();
    }
}
