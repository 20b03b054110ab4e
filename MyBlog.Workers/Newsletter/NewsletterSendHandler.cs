using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core.Newsletter;
using MyBlog.Workers.Events;
using MyBlog.Workers.Hosting;

namespace MyBlog.Workers.Newsletter;

/// <summary>SQS batches of recipients → the emails, at the shared pace; a batch that must wait is reported by its messageId.</summary>
public sealed class NewsletterSendHandler : IWorkerHandler
{
    public FunctionDeclaration Function => AwsFunctions.NewsletterSend;

    public void AddServices(IHostApplicationBuilder builder) => builder.AddNewsletterSending();

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("SQS event (batches of newsletter recipients) → the emails; answers batchItemFailures by messageId.");

    public static async Task<BatchResponse> HandleAsync(
        SqsEvent sqsEvent, NewsletterSender sender, IHostApplicationLifetime lifetime, ILogger<NewsletterSender> logger)
    {
        var failures = new BatchFailures(logger, lifetime.ApplicationStopping);
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
            await failures.RunAsync(id, async ct => await sender.SendAsync(batch, ct) != BatchOutcome.RetryLater,
                "Newsletter batch {MessageId} of {Slug} failed; SQS delivers it again", id, batch.Slug);
        }
        return failures.Response();
    }
}
