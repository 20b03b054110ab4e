using System.Diagnostics;
using MyBlog.Core;
using MyBlog.Core.Mail;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Events;

namespace MyBlog.Workers.Handlers;

/// <summary>
/// <c>POST /events/welcome-mail</c>: DynamoDB stream records of new subscribers → one welcome email each.
/// Each record is one <see cref="WelcomeMailer"/> call; a record that fails is reported by its sequence number so
/// only it (and what follows it in the shard) is retried.
/// </summary>
public static class WelcomeMailHandler
{
    public static IEndpointRouteBuilder MapWelcomeMailHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(StreamSubscriptions.WelcomeMail.Path, HandleAsync)
            .WithName("WelcomeMail")
            .WithSummary("DynamoDB stream event (new subscribers) → welcome emails; answers batchItemFailures.");
        return app;
    }

    public static async Task<BatchResponse> HandleAsync(
        DynamoDbStreamEvent streamEvent, WelcomeMailer mailer, ILogger<WelcomeMailer> logger, CancellationToken ct)
    {
        var failures = new List<string>();
        foreach (var record in streamEvent.Records ?? [])
        {
            var sequenceNumber = record.Dynamodb?.SequenceNumber;
            if (record.EventName != "INSERT")
            {
                continue;
            }
            var subscriberId = SubscriberKeys.IdFromPartitionKey(record.Dynamodb?.Keys.GetString(MyBlogTable.PartitionKey));
            if (subscriberId is null || sequenceNumber is null)
            {
                // Retrying cannot fix it; failing it sends it to the on-failure destination where someone can look.
                logger.LogError("Stream record {EventId} is not a subscriber insert with a sequence number", record.EventID);
                failures.Add(sequenceNumber ?? record.EventID ?? "");
                continue;
            }

            using var span = RecordActivity.Start("welcome-mail", record.Dynamodb?.NewImage.TraceContext());
            span?.SetTag("myblog.subscriber.id", subscriberId);
            try
            {
                var outcome = await mailer.SendAsync(subscriberId, ct);
                span?.SetTag("myblog.welcome.outcome", outcome.ToString());
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Welcome email for {SubscriberId} failed; record {SequenceNumber} will be retried", subscriberId, sequenceNumber);
                span?.SetStatus(ActivityStatusCode.Error, ex.Message);
                failures.Add(sequenceNumber);
            }
        }
        return BatchResponse.From(failures);
    }
}
