using System.Globalization;
using System.Text.Json.Nodes;
using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.LocalAws.Delivery;

namespace MyBlog.LocalAws.Queues;

/// <summary>
/// Lambda's SQS pollers, one per queue-fed function: receive up to a batch of messages (long polling), invoke the
/// worker with an SQS event, delete what succeeded. Messages named in <c>batchItemFailures</c> — or the whole batch
/// on a function error — are not deleted: they come back after the visibility timeout, and after the maximum receive
/// count the queue moves them to its dead-letter queue.
/// </summary>
public sealed class SqsEventSourceMappings(
    LocalQueues queues, FunctionInvoker invoker, IConfiguration configuration, ILogger<SqsEventSourceMappings> logger) : BackgroundService
{
    private static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(20);

    /// <summary>The queue-fed functions, with their visibility timeouts overridable from "LocalAws:Queues:{queue}:VisibilityTimeout".</summary>
    public static IReadOnlyList<QueueMapping> Configured(IConfiguration configuration) => AwsFunctions.Triggered<QueueTrigger>()
        .Select(f => new QueueMapping(f.Function, configuration[$"LocalAws:Queues:{f.Trigger.Queue}:VisibilityTimeout"] is { } timeout
            ? f.Trigger with { VisibilityTimeout = TimeSpan.Parse(timeout, CultureInfo.InvariantCulture) }
            : f.Trigger))
        .ToList();

    /// <summary>Each queue's pollers: as many as batches it may have in flight (its maximum concurrency, else one).</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(queues.Mappings.SelectMany(m =>
            Enumerable.Range(0, m.Queue.MaximumConcurrency ?? 1).Select(_ => RunAsync(m, queues[m.Name], stoppingToken))));

    private async Task RunAsync(QueueMapping subscription, LocalQueue queue, CancellationToken ct)
    {
        var mapping = new EventSourceMappingOptions { Name = subscription.Name, Path = subscription.Function.Path, FunctionTimeout = subscription.Function.FunctionTimeout };
        var region = configuration["Aws:Region"] ?? "us-east-1";
        logger.LogInformation("{Mapping}: receiving from {Queue} for {Path}", subscription.Name, queue.Name, subscription.Function.Path);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var messages = queue.Receive(subscription.Queue.BatchSize);
                if (messages.Count == 0)
                {
                    await queue.WaitAsync(LongPoll, ct);
                    continue;
                }
                var records = messages.Select(m => ToRecord(m, queue.Arn(region), region)).ToList();
                var result = await invoker.InvokeAsync(mapping, records, SqsMessage.MessageIdOf, _ => null, ct);
                var failed = result switch
                {
                    InvokeResult.Success => [],
                    InvokeResult.PartialFailure partial => partial.FailedIndices.ToHashSet(),
                    _ => Enumerable.Range(0, messages.Count).ToHashSet(),
                };
                for (var i = 0; i < messages.Count; i++)
                {
                    if (!failed.Contains(i))
                    {
                        queue.Delete(messages[i].ReceiptHandle);
                    }
                }
                if (failed.Count > 0)
                {
                    logger.LogWarning("{Mapping}: {Failed} of {Count} message(s) not done ({Result}); they return after the visibility timeout of {Timeout}",
                        subscription.Name, failed.Count, messages.Count, result, subscription.Queue.VisibilityTimeout);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "{Mapping}: receiving failed; trying again", subscription.Name);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    /// <summary>One record of Lambda's SQS event.</summary>
    public static JsonObject ToRecord(ReceivedMessage message, string queueArn, string region) => LambdaEvents.ToJson(SqsMessage.Received(
        message.MessageId, message.ReceiptHandle, message.Body, message.Md5OfBody, message.ReceiveCount, message.SentAt,
        message.FirstReceivedAt, "AIDAIS3NOTIFICATIONS", queueArn, region));
}
