using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Storage;
using MyBlog.Workers.Events;
using MyBlog.Workers.Hosting;

namespace MyBlog.Workers.Publishing;

/// <summary>
/// Stream records of posts that are or were published, and of photos that became ready
/// while published posts showed them → one site update for the whole batch. If the update fails, the batch is reported from its first record and retried as a whole.
/// </summary>
public sealed class PublishHandler : IWorkerHandler
{
    public FunctionDeclaration Function => AwsFunctions.Publish;

    /// <summary>Locally the publisher also renders a site that was never built, at start (on AWS the deploy does).</summary>
    public void AddServices(IHostApplicationBuilder builder) =>
        builder.AddPublishing(buildOnStart: builder.Configuration.GetValue("Publishing:BuildOnStart", defaultValue: true));

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("DynamoDB stream event (published posts changed) → static pages rewritten and invalidated.");

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
        // A change of the settings names no post: the publisher finds the site changed and renders every page.
        var settingsChanged = records.Any(r => r.Dynamodb?.Keys.GetString(MyBlogTable.PartitionKey) == Core.Settings.SettingsStore.PartitionKey);
        if (slugs.Count == 0 && !settingsChanged)
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
