using MyBlog.Core;
using MyBlog.Core.Events;
using MyBlog.Workers.Events;
using MyBlog.Workers.Imports;

namespace MyBlog.Workers.Handlers;

/// <summary>
/// <c>POST /events/imports</c>: an SQS event whose message carries the S3 ObjectCreated notification of an uploaded
/// archive → the import (<see cref="ArchiveImporter"/>). What is wrong with the archive or its files is the import's
/// result, not a failure; a failure (storage away) brings the message back, and the second run skips what the
/// first finished.
/// </summary>
public static class ImportsHandler
{
    public static IEndpointRouteBuilder MapImportsHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(QueueSubscriptions.Imports.Path, HandleAsync)
            .WithName("Imports")
            .WithSummary("SQS event (S3 ObjectCreated on imports/) → the archive's posts and images imported; answers batchItemFailures.");
        return app;
    }

    public static Task<BatchResponse> HandleAsync(
        SqsEvent sqsEvent, ArchiveImporter importer, ILogger<ArchiveImporter> logger, CancellationToken ct) =>
        S3QueueMessages.ProcessAsync(sqsEvent, logger, importer.RunAsync, ct);
}
