using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MyBlog.Aws.Events;

namespace MyBlog.LocalAws.Delivery;

/// <summary>What one invocation of a worker came back with, in Lambda's terms.</summary>
public abstract record InvokeResult
{
    public sealed record Success : InvokeResult;

    /// <summary>
    /// The function answered batchItemFailures naming the records at <paramref name="FailedIndices"/>: a stream batch
    /// is checkpointed just before the first of them; an SQS batch keeps exactly those messages.
    /// </summary>
    public sealed record PartialFailure(IReadOnlyList<int> FailedIndices) : InvokeResult
    {
        public int FirstFailedIndex => FailedIndices.Min();

        public int FailedCount => FailedIndices.Count;
    }

    /// <summary>The invocation failed as a whole (error status, timeout, unreadable answer).</summary>
    public sealed record FunctionError(string Reason) : InvokeResult;
}

/// <summary>
/// Invokes a worker the way the Lambda Web Adapter does: the raw event JSON POSTed to the handler's path. The
/// delivery span continues the trace stored on the record (single-record batches) or links to each record's trace.
/// </summary>
public sealed class FunctionInvoker(IHttpClientFactory httpClientFactory)
{
    public const string HttpClientName = "workers";
    private static readonly ActivitySource Source = new("MyBlog.LocalAws");

    public async Task<InvokeResult> InvokeAsync(
        EventSourceMappingOptions mapping, IReadOnlyList<JsonObject> records, Func<JsonObject, string?> itemIdentifier,
        Func<JsonObject, string?> traceParent, CancellationToken ct)
    {
        using var activity = StartDeliveryActivity(mapping, records, traceParent);
        var body = LambdaEvents.Envelope(records);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(mapping.FunctionTimeout);
        BatchResponse? answer;
        try
        {
            using var response = await httpClientFactory.CreateClient(HttpClientName).PostAsJsonAsync(mapping.Path, body, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return Fail(activity, $"The function answered HTTP {(int)response.StatusCode}");
            }
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            answer = LambdaEvents.ReadResponse(text);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Fail(activity, $"The function timed out after {mapping.FunctionTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return Fail(activity, $"The function could not be reached: {ex.Message}");
        }
        catch (System.Text.Json.JsonException)
        {
            return Fail(activity, "The function's answer is not JSON");
        }

        if (answer?.BatchItemFailures is not { Count: > 0 } failures)
        {
            return new InvokeResult.Success();
        }

        // As Lambda does: an identifier that is missing, empty or not in the batch fails the whole batch.
        var indices = new List<int>();
        foreach (var failure in failures)
        {
            var id = failure?.ItemIdentifier;
            var index = string.IsNullOrEmpty(id) ? -1 : IndexOf(records, itemIdentifier, id);
            if (index < 0)
            {
                return Fail(activity, $"batchItemFailures names an unknown item '{id}'");
            }
            indices.Add(index);
        }
        activity?.SetTag("myblog.delivery.failed_items", indices.Count);
        return new InvokeResult.PartialFailure(indices.Distinct().Order().ToList());
    }

    private static int IndexOf(IReadOnlyList<JsonObject> records, Func<JsonObject, string?> itemIdentifier, string id)
    {
        for (var i = 0; i < records.Count; i++)
        {
            if (itemIdentifier(records[i]) == id)
            {
                return i;
            }
        }
        return -1;
    }

    private static InvokeResult Fail(Activity? activity, string reason)
    {
        activity?.SetStatus(ActivityStatusCode.Error, reason);
        return new InvokeResult.FunctionError(reason);
    }

    private static Activity? StartDeliveryActivity(
        EventSourceMappingOptions mapping, IReadOnlyList<JsonObject> records, Func<JsonObject, string?> traceParent)
    {
        var contexts = records
            .Select(r => ActivityContext.TryParse(traceParent(r), null, isRemote: true, out var c) ? c : (ActivityContext?)null)
            .OfType<ActivityContext>()
            .ToList();
        var name = $"deliver {mapping.Name}";
        var activity = contexts.Count == 1 && records.Count == 1
            ? Source.StartActivity(name, ActivityKind.Producer, contexts[0])
            : Source.StartActivity(name, ActivityKind.Producer, parentContext: default, links: contexts.Select(c => new ActivityLink(c)));
        activity?.SetTag("myblog.delivery.batch_size", records.Count);
        activity?.SetTag("myblog.delivery.path", mapping.Path);
        return activity;
    }
}
