using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Hosting;
using MyBlog.Workers.Subscribers;

namespace MyBlog.Workers.Mail;

/// <summary>SES's bounces and complaints (through SNS) → no more mail to those addresses.</summary>
public sealed class MailFeedbackHandler : IWorkerHandler
{
    public FunctionDeclaration Function => AwsFunctions.MailFeedback;

    public void AddServices(IHostApplicationBuilder builder) => builder.AddSubscribers();

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("SNS event (SES bounces and complaints) → no more mail to those addresses.");

    public static async Task<BatchResponse> HandleAsync(
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
                "Complaint" => (notification.Complaint?.ComplainedRecipients ?? [], $"{SubscriberStates.ComplaintReason} ({notification.Complaint?.ComplaintFeedbackType ?? "abuse"})"),
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
