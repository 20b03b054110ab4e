using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Storage;
using MyBlog.Workers.Events;
using MyBlog.Workers.Hosting;

namespace MyBlog.Workers.Newsletter;

/// <summary>
/// The stream's INSERT of a send job (a post's first publication), or the author's retry of a failed one → its
/// recipients queued in batches. The job records how far planning got: the stream's retry (or the sweep) goes on
/// from there.
/// </summary>
public sealed class NewsletterPlanHandler : IWorkerHandler
{
    public FunctionDeclaration Function => AwsFunctions.NewsletterPlan;

    public void AddServices(IHostApplicationBuilder builder) => builder.AddNewsletterPlanning();

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("DynamoDB stream event (a post's newsletter job created) → its recipients queued; answers batchItemFailures.");

    public static async Task<BatchResponse> HandleAsync(
        DynamoDbStreamEvent streamEvent, NewsletterPlanner planner, IHostApplicationLifetime lifetime, ILogger<NewsletterPlanner> logger)
    {
        var failures = new BatchFailures(logger, lifetime.ApplicationStopping);
        foreach (var record in streamEvent.Records ?? [])
        {
            var sequenceNumber = record.Dynamodb?.SequenceNumber ?? record.EventID ?? "";
            var jobId = NewsletterStore.JobIdFromPartitionKey(record.Dynamodb?.Keys.GetString(MyBlogTable.PartitionKey));
            if (jobId is null)
            {
                logger.LogError("Stream record {EventId} is not a newsletter job", record.EventID);
                failures.Add(sequenceNumber);
                continue;
            }
            using var span = RecordActivity.Start("newsletter-plan", record.Dynamodb?.NewImage.TraceContext());
            await failures.RunAsync(sequenceNumber, async ct =>
            {
                await planner.PlanAsync(jobId, ct);
                return true;
            }, "Planning newsletter job {Job} stopped; it resumes on the retry", jobId);
        }
        return failures.Response();
    }
}
