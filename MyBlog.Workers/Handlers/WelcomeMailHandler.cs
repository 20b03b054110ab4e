using System.Diagnostics;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Events;
using MyBlog.Core.Mail;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Events;
using MyBlog.Workers.Mail;

namespace MyBlog.Workers.Handlers;

/// <summary>
/// <c>POST /events/welcome-mail</c>: DynamoDB stream records of subscribers who became owed a welcome (new, or
/// subscribed again) → one attempt each, the fast path. A record whose email is not sent is reported by its
/// sequence number, so the stream retries it quickly; the welcome stays owed in the table whatever the stream
/// does, and the sweep (<see cref="WelcomeSweepHandler"/>) delivers what the stream gives up on. The batch stops
/// early when the server is away (the rest would time out one by one) or its time budget is spent.
/// </summary>
public static class WelcomeMailHandler
{
    public static IEndpointRouteBuilder MapWelcomeMailHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(StreamSubscriptions.WelcomeMail.Path, HandleAsync)
            .WithName("WelcomeMail")
            .WithSummary("DynamoDB stream event (subscribers owed a welcome) → welcome emails; answers batchItemFailures.");
        return app;
    }

    public static async Task<BatchResponse> HandleAsync(
        DynamoDbStreamEvent streamEvent, WelcomeMailer mailer, IOptions<MailOptions> mail, TimeProvider time,
        IHostApplicationLifetime lifetime, ILogger<WelcomeMailer> logger)
    {
        // Sends are not tied to the request: a caller that stops waiting must not cut a message off mid-transfer.
        var ct = lifetime.ApplicationStopping;
        var startBy = time.GetUtcNow() + mail.Value.BatchBudget;
        var failures = new List<string>();
        string? stopped = null;
        foreach (var record in streamEvent.Records ?? [])
        {
            var sequenceNumber = record.Dynamodb?.SequenceNumber;
            if (record.EventName is not ("INSERT" or "MODIFY"))
            {
                continue;
            }
            var subscriberId = SubscriberKeys.IdFromPartitionKey(record.Dynamodb?.Keys.GetString(MyBlogTable.PartitionKey));
            if (subscriberId is null || sequenceNumber is null)
            {
                // Retrying cannot fix it; failing it sends it to the on-failure destination where someone can look.
                logger.LogError("Stream record {EventId} is not a subscriber change with a sequence number", record.EventID);
                failures.Add(sequenceNumber ?? record.EventID ?? "");
                continue;
            }
            stopped ??= time.GetUtcNow() >= startBy ? "the invocation's time budget is spent" : null;
            if (stopped is not null)
            {
                failures.Add(sequenceNumber);
                continue;
            }

            using var span = RecordActivity.Start("welcome-mail", record.Dynamodb?.NewImage.TraceContext());
            span?.SetTag("myblog.subscriber.id", subscriberId);
            try
            {
                var result = await mailer.SendAsync(subscriberId, WelcomePath.Stream, ct);
                span?.SetTag("myblog.welcome.outcome", result.Outcome.ToString());
                if (result.Outcome == WelcomeOutcome.RetryLater)
                {
                    failures.Add(sequenceNumber);
                }
                if (result.ServerUnavailable)
                {
                    stopped = "the mail server is unavailable";
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Welcome email for {SubscriberId} failed; record {SequenceNumber} will be retried", subscriberId, sequenceNumber);
                span?.SetStatus(ActivityStatusCode.Error, ex.Message);
                failures.Add(sequenceNumber);
            }
        }
        if (stopped is not null)
        {
            logger.LogWarning("Welcome batch stopped early ({Reason}); {Count} record(s) left for the retry and the sweep", stopped, failures.Count);
        }
        return BatchResponse.From(failures);
    }
}
