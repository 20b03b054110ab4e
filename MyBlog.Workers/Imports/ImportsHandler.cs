using Microsoft.Extensions.DependencyInjection.Extensions;
using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core.Imports;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Workers.Events;
using MyBlog.Workers.Hosting;
using MyBlog.Workers.Subscribers;
using MyBlog.Workers.Thumbnails;

namespace MyBlog.Workers.Imports;

/// <summary>
/// An SQS event whose message carries the S3 ObjectCreated notification of an uploaded archive → the import
/// (<see cref="ArchiveImporter"/>); of an uploaded subscriber list → its import (<see cref="SubscriberImporter"/>). What is wrong with the archive or its files is the import's result, not a
/// failure; a failure (storage away) brings the message back, and the second run skips what the first finished.
/// </summary>
public sealed class ImportsHandler : IWorkerHandler
{
    public FunctionDeclaration Function => AwsFunctions.Imports;

    public void AddServices(IHostApplicationBuilder builder)
    {
        builder.AddBuckets();
        builder.Services.TryAddSingleton<PostStore>();
        builder.Services.TryAddSingleton<PhotoStore>();
        builder.Services.TryAddSingleton<ImportStore>();
        // An archive's images pass the thumbnail worker's own guards before anything reads them.
        builder.Services.TryAddSingleton<ThumbnailGenerator>();
        builder.Services.AddSingleton<ArchiveImporter>();
        builder.AddSubscribers();
        builder.Services.AddSingleton<SubscriberImporter>();
    }

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("SQS event (S3 ObjectCreated on imports/) → the archive's posts and images, or the list's subscribers, imported; answers batchItemFailures.");

    public static Task<BatchResponse> HandleAsync(
        SqsEvent sqsEvent, ArchiveImporter importer, SubscriberImporter subscribers, ILogger<ArchiveImporter> logger, CancellationToken ct) =>
        S3QueueMessages.ProcessAsync(sqsEvent, logger, (bucket, key, receiveCount, token) => ImportJob.IdFromSubscribersKey(key) is not null
            ? subscribers.RunAsync(bucket, key, receiveCount, token)
            : importer.RunAsync(bucket, key, receiveCount, token), ct);
}
