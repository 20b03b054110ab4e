using System.Diagnostics;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Subscribers;

namespace MyBlog.Workers.Newsletter;

/// <summary>
/// Turns a send job into queue messages: the confirmed subscribers, a page at a time, in batches of
/// <see cref="NewsletterStore.BatchSize"/>, ten messages per SQS request. Each page is recorded on the job after its
/// messages are queued, so a planner that stops (a timeout, a crash) is resumed from the last recorded page by the
/// stream's retry or the sweep; what it queued twice is sent once (the recipients' markers).
/// </summary>
public sealed class NewsletterPlanner(
    NewsletterStore jobs, SubscriberStore subscribers, IAmazonSQS sqs, IOptions<NewsletterOptions> options, TimeProvider time, ILogger<NewsletterPlanner> logger)
{
    private static readonly ActivitySource Source = new("MyBlog.Newsletter");

    /// <returns>The recipients this call queued.</returns>
    public async Task<int> PlanAsync(string jobId, CancellationToken ct)
    {
        if (await jobs.GetPlanAsync(jobId, ct) is not { Planned: false, Failed: false, OwnedElsewhere: false } state)
        {
            return 0;
        }
        // With regions, a young job is decided only once the table has settled: another region may have made the same
        // job at the same moment, and after the wait both regions hold the one that won, which names who sends.
        var settled = state.CreatedAt + options.Value.Settle - time.GetUtcNow();
        if (options.Value.Settle > TimeSpan.Zero && settled > TimeSpan.Zero)
        {
            await Task.Delay(settled, time, ct);
            if (await jobs.GetPlanAsync(jobId, ct) is not { Planned: false, Failed: false, OwnedElsewhere: false } settledState)
            {
                logger.LogInformation("Newsletter job {Job}: another region made it too, and sends it", jobId);
                return 0;
            }
            state = settledState;
        }
        using var span = Source.StartActivity("newsletter.plan", ActivityKind.Internal,
            ActivityContext.TryParse(state.TraceParent, null, isRemote: true, out var parent) ? parent : default);
        span?.SetTag("myblog.post.slug", state.Slug);
        var cursor = state.Cursor;
        var queued = 0;
        while (true)
        {
            var (ids, next) = await subscribers.ConfirmedPageAsync(cursor, ct);
            await SendAsync(ids.Chunk(NewsletterStore.BatchSize)
                .Select(batch => new NewsletterBatch(state.Slug, batch, TraceParent: state.TraceParent, Job: jobId)).ToList(), ct);
            if (!await jobs.RecordPlannedAsync(jobId, cursor, next, ids.Count, ct))
            {
                logger.LogInformation("Newsletter {Slug}: another planner recorded this page first; it goes on", state.Slug);
                return queued;
            }
            queued += ids.Count;
            if (next is null)
            {
                span?.SetTag("myblog.newsletter.recipients", queued);
                logger.LogInformation("Newsletter {Slug}: {Count} recipient(s) queued", state.Slug, queued);
                return queued;
            }
            cursor = next;
        }
    }

    private async Task SendAsync(IReadOnlyList<NewsletterBatch> batches, CancellationToken ct)
    {
        foreach (var request in batches.Chunk(10))
        {
            var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest
            {
                QueueUrl = options.Value.QueueUrl,
                Entries = request.Select((batch, i) => new SendMessageBatchRequestEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), batch.ToJson())).ToList(),
            }, ct);
            if (response.Failed is { Count: > 0 } failed)
            {
                // Retried as a whole by the caller's retry: queuing a batch twice sends nobody twice.
                throw new InvalidOperationException($"SQS refused {failed.Count} newsletter batch(es): {failed[0].Code} {failed[0].Message}");
            }
        }
    }
}
