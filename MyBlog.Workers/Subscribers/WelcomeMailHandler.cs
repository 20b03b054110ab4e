using Microsoft.Extensions.Options;
using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Events;
using MyBlog.Workers.Hosting;
using MyBlog.Workers.Mail;

namespace MyBlog.Workers.Subscribers;

/// <summary>
/// DynamoDB stream records of subscribers who became owed a welcome (new, or subscribed again) → one attempt each,
/// the fast path. A record whose email is not sent is reported by its sequence number, so the stream retries it
/// quickly; the welcome stays owed in the table whatever the stream does, and the sweep
/// (<see cref="WelcomeSweepHandler"/>) delivers what the stream gives up on. The batch stops early when the server is
/// away (the rest would time out one by one) or its time budget is spent.
/// </summary>
public sealed class WelcomeMailHandler : IWorkerHandler
{
    public FunctionDeclaration Function => AwsFunctions.WelcomeMail;

    public void AddServices(IHostApplicationBuilder builder) => builder.AddWelcomeMail();

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("DynamoDB stream event (subscribers owed a welcome) → welcome emails; answers batchItemFailures.");

    public static async Task<BatchResponse> HandleAsync(
        DynamoDbStreamEvent streamEvent, WelcomeMailer mailer, IOptions<MailOptions> mail, IOptions<WelcomeOptions> welcome, TimeProvider time,
        MyBlog.Core.Regions.RegionPresence regions, IHostApplicationLifetime lifetime, ILogger<WelcomeMailer> logger)
    {
        // A region back from an absence sends nothing until the other regions' writes have reached it (another may
        // have taken over its welcomes meanwhile); what is owed stays owed, and its sweep sends it after.
        if (streamEvent.Records is { Count: > 0 } && !await regions.MayClaimAsync(lifetime.ApplicationStopping))
        {
            logger.LogInformation("Welcome mail: this region is rejoining; {Count} record(s) left to the sweep", streamEvent.Records.Count);
            return new BatchResponse([]);
        }
        // Sends are not tied to the request: a caller that stops waiting must not cut a message off mid-transfer.
        var failures = new BatchFailures(logger, lifetime.ApplicationStopping);
        // The budget counts from the start, the settle wait included: the invocation's timeout does.
        var startBy = time.GetUtcNow() + mail.Value.BatchBudget;
        var owed = new List<(string SubscriberId, string SequenceNumber, DynamoDbStreamRecord Record)>();
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
            owed.Add((subscriberId, sequenceNumber, record));
        }

        // With a stack in several regions every welcome is claimed first, and sent only once the table has settled
        // and the claim is still this region's: one wait for the whole batch.
        var claims = new Dictionary<string, WelcomeClaim?>();
        if (welcome.Value.Settle > TimeSpan.Zero && owed.Count > 0)
        {
            foreach (var (subscriberId, sequenceNumber, _) in owed)
            {
                await failures.RunAsync(sequenceNumber, async ct =>
                {
                    claims[sequenceNumber] = await mailer.ClaimAsync(subscriberId, WelcomePath.Stream, ct);
                    return true;
                }, "Welcome claim for {SubscriberId} failed; record {SequenceNumber} will be retried", subscriberId, sequenceNumber);
            }
            if (claims.Values.Any(c => c is not null))
            {
                await Task.Delay(welcome.Value.Settle, time, lifetime.ApplicationStopping);
            }
        }

        string? stopped = null;
        foreach (var (subscriberId, sequenceNumber, record) in owed)
        {
            var claimed = claims.TryGetValue(sequenceNumber, out var claim);
            if (welcome.Value.Settle > TimeSpan.Zero && (!claimed || claim is null))
            {
                continue; // its claim failed (recorded for the retry), or there was nothing to claim
            }
            stopped ??= time.GetUtcNow() >= startBy ? "the invocation's time budget is spent" : null;
            if (stopped is not null)
            {
                if (claim is not null)
                {
                    await mailer.GiveBackAsync(claim, "its batch ran out of time before its turn");
                }
                failures.Add(sequenceNumber);
                continue;
            }

            using var span = RecordActivity.Start("welcome-mail", record.Dynamodb?.NewImage.TraceContext());
            span?.SetTag("myblog.subscriber.id", subscriberId);
            await failures.RunAsync(sequenceNumber, async ct =>
            {
                var result = claim is null
                    ? await mailer.SendAsync(subscriberId, WelcomePath.Stream, ct)
                    : await mailer.DeliverAsync(claim, WelcomePath.Stream, ct);
                span?.SetTag("myblog.welcome.outcome", result.Outcome.ToString());
                if (result.ServerUnavailable)
                {
                    stopped = "the mail server is unavailable";
                }
                // A refusal that waits for a person (the account's setup, the message itself) is not retried by the
                // stream: the welcome stays owed and the sweep tries it after its backoff, without hammering the service.
                return result.Outcome != WelcomeOutcome.RetryLater || result.Failure is MailFailure.AccountSetup or MailFailure.MessageRefused;
            }, "Welcome email for {SubscriberId} failed; record {SequenceNumber} will be retried", subscriberId, sequenceNumber);
        }
        if (stopped is not null)
        {
            logger.LogWarning("Welcome batch stopped early ({Reason}); {Count} record(s) left for the retry and the sweep", stopped, failures.Count);
        }
        return failures.Response();
    }
}
