using MyBlog.Core;
using MyBlog.Core.Events;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Workers.Events;
using MyBlog.Workers.Publishing;

namespace MyBlog.Workers.Handlers;

/// <summary>
/// <c>POST /events/publish</c>: stream records of posts that are or were published, and of photos that became ready
/// while published posts showed them → one site update for the whole batch. If the update fails, the batch is reported from its first record and retried as a whole.
/// </summary>
public static class PublishHandler
{
    public static IEndpointRouteBuilder MapPublishHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(StreamSubscriptions.Publish.Path, HandleAsync)
            .WithName("Publish")
            .WithSummary("DynamoDB stream event (published posts changed) → static pages rewritten and invalidated.");
        return app;
    }

    public static async Task<BatchResponse> HandleAsync(
        DynamoDbStreamEvent streamEvent, SitePublisher publisher, ILogger<SitePublisher> logger, CancellationToken ct)
    {
        var records = streamEvent.Records ?? [];
        var slugs = records
            .Select(r => r.Dynamodb?.Keys.GetString(MyBlogTable.PartitionKey))
            .Where(pk => pk is not null && pk.StartsWith(PostStore.PartitionPrefix, StringComparison.Ordinal))
            .Select(pk => pk![PostStore.PartitionPrefix.Length..])
            .Concat(records
                .Where(r => r.Dynamodb?.Keys.GetString(MyBlogTable.PartitionKey)?.StartsWith(PhotoStore.PartitionPrefix, StringComparison.Ordinal) == true)
                .SelectMany(r => r.Dynamodb!.NewImage.GetStringSet(PhotoStore.AwaitingPostsAttribute)))
            .Where(Slug.IsValid)
            .Distinct()
            .ToList();
        if (slugs.Count == 0)
        {
            return BatchResponse.From([]);
        }

        var first = records[0];
        using var span = RecordActivity.Start("publish", first.Dynamodb?.NewImage.TraceContext() ?? first.Dynamodb?.OldImage.TraceContext());
        try
        {
            await publisher.PublishAsync(slugs, ct);
            return BatchResponse.From([]);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Publishing {Count} post(s) failed; the batch will be retried", slugs.Count);
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            return BatchResponse.From(records.Select(r => r.Dynamodb?.SequenceNumber).OfType<string>().Take(1));
        }
    }
}
