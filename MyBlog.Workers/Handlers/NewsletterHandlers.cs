using MyBlog.Core;
using MyBlog.Core.Events;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Events;
using MyBlog.Workers.Newsletter;

namespace MyBlog.Workers.Handlers;

/// <summary>
/// The newsletter's three events. <c>POST /events/newsletter-plan</c>: the stream's INSERT of a send job (a post's
/// first publication) → its recipients queued. <c>POST /events/newsletter</c>: SQS batches of recipients → the
/// emails, at the shared pace. <c>POST /events/mail-feedback</c>: SES's bounces and complaints (through SNS) → no
/// more mail to those addresses.
/// </summary>
public static class NewsletterHandlers
{
    public static IEndpointRouteBuilder MapNewsletterPlanHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(StreamSubscriptions.NewsletterPlan.Path, PlanAsync)
            .WithName("NewsletterPlan")
            .WithSummary("DynamoDB stream event (a post's newsletter job created) → its recipients queued; answers batchItemFailures.");
        return app;
    }

    public static IEndpointRouteBuilder MapNewsletterSendHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(QueueSubscriptions.Newsletter.Path, SendAsync)
            .WithName("NewsletterSend")
            .WithSummary("SQS event (batches of newsletter recipients) → the emails; answers batchItemFailures by messageId.");
        return app;
    }

    public static IEndpointRouteBuilder MapMailFeedbackHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(Notifications.MailFeedbackPath, FeedbackAsync)
            .WithName("MailFeedback")
            .WithSummary("SNS event (SES bounces and complaints) → no more mail to those addresses.");
        return app;
    }

    public static async Task<BatchResponse> PlanAsync(
        DynamoDbStreamEvent streamEvent, NewsletterPlanner planner, IHostApplicationLifetime lifetime, ILogger<NewsletterPlanner> logger)
    {
        var failures = new List<string>();
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
            try
            {
                await planner.PlanAsync(jobId, lifetime.ApplicationStopping);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The job records how far planning got: the stream's retry (or the sweep) goes on from there.
                logger.LogError(ex, "Planning newsletter job {Job} stopped; it resumes on the retry", jobId);
                failures.Add(sequenceNumber);
            }
        }
        return BatchResponse.From(failures);
    }

    public static async Task<BatchResponse> SendAsync(
        SqsEvent sqsEvent, NewsletterSender sender, IHostApplicationLifetime lifetime, ILogger<NewsletterSender> logger)
    {
        var failures = new List<string>();
        foreach (var message in sqsEvent.Records ?? [])
        {
            var id = message.MessageId ?? "";
            if (NewsletterBatch.TryParse(message.Body) is not { } batch)
            {
                // Retrying cannot fix it: it ends in the dead-letter queue, where someone can look.
                logger.LogError("Message {MessageId} is not a newsletter batch", id);
                failures.Add(id);
                continue;
            }
            try
            {
                if (await sender.SendAsync(batch, lifetime.ApplicationStopping) == BatchOutcome.RetryLater)
                {
                    failures.Add(id);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Newsletter batch {MessageId} of {Slug} failed; SQS delivers it again", id, batch.Slug);
                failures.Add(id);
            }
        }
        return BatchResponse.From(failures);
    }

    public static async Task<BatchResponse> FeedbackAsync(
        SnsEvent snsEvent, SubscriberStore subscribers, SubscriberIds ids, ILogger<SubscriberStore> logger, CancellationToken ct)
    {
        foreach (var record in snsEvent.Records ?? [])
        {
            var notification = SesNotification.TryParse(record.Sns?.Message);
            var (recipients, reason) = notification?.Kind switch
            {
                // A transient or undetermined bounce (a full mailbox, an auto-reply) says nothing lasting about the address.
                "Bounce" when notification.Bounce?.BounceType == "Permanent" =>
                    (notification.Bounce.BouncedRecipients ?? [], $"bounced ({notification.Bounce.BounceSubType ?? "permanent"})"),
                "Complaint" => (notification.Complaint?.ComplainedRecipients ?? [], $"complained ({notification.Complaint?.ComplaintFeedbackType ?? "abuse"})"),
                _ => ([], ""),
            };
            foreach (var recipient in recipients)
            {
                if (EmailAddress.TryParse(recipient.EmailAddress, out var address, out _)
                    && await subscribers.BlockMailAsync(address, reason, ct))
                {
                    logger.LogWarning("No more mail to subscriber {SubscriberId}: {Reason}", ids.IdFor(address), reason);
                }
            }
        }
        // SNS retries a failed delivery itself; there is nothing here worth retrying.
        return BatchResponse.From([]);
    }
}
