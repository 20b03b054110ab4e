using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Posts;
using MyBlog.Workers.Events;
using MyBlog.Workers.Publishing;

namespace MyBlog.Workers.Handlers;

/// <summary>
/// <c>POST /events/publish</c>: stream records of posts that are or were published → one site update for the
/// whole batch. If the update fails, the batch is reported from its first record and retried as a whole.
/// On AWS the same function also receives the stack's CloudFormation requests (<see cref="SiteDeployment"/>):
/// each deploy rebuilds the site.
/// </summary>
public static class PublishHandler
{
    public static IEndpointRouteBuilder MapPublishHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(StreamSubscriptions.Publish.Path, RouteAsync)
            .WithName("Publish")
            .WithSummary("DynamoDB stream event (published posts changed) → static pages rewritten and invalidated; a CloudFormation request → the site rebuilt.");
        return app;
    }

    private static async Task<IResult> RouteAsync(JsonElement body, IOptions<JsonOptions> json,
        SitePublisher publisher, SiteDeployment deployment, ILogger<SitePublisher> logger, CancellationToken ct)
    {
        var options = json.Value.SerializerOptions;
        if (CloudFormationRequest.TryParse(body, options) is { } request)
        {
            return Results.Ok(await deployment.RespondAsync(request, ct));
        }
        var streamEvent = body.Deserialize<DynamoDbStreamEvent>(options)
            ?? throw new BadHttpRequestException("The body is not a DynamoDB stream event");
        return Results.Ok(await HandleAsync(streamEvent, publisher, logger, ct));
    }

    public static async Task<BatchResponse> HandleAsync(
        DynamoDbStreamEvent streamEvent, SitePublisher publisher, ILogger<SitePublisher> logger, CancellationToken ct)
    {
        var records = streamEvent.Records ?? [];
        var slugs = records
            .Select(r => r.Dynamodb?.Keys.GetString(MyBlogTable.PartitionKey))
            .Where(pk => pk is not null && pk.StartsWith(PostStore.PartitionPrefix, StringComparison.Ordinal))
            .Select(pk => pk![PostStore.PartitionPrefix.Length..])
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
