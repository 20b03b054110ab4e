using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyBlog.Aws.Events;
using MyBlog.LocalAws.Delivery;

namespace MyBlog.Tests.Unit;

/// <summary>
/// LocalAws's Lambda delivery rules against a scripted function: the component is real, only the worker behind
/// the HTTP call is played by the test.
/// </summary>
public sealed class BatchDeliveryTests
{
    private static readonly BatchSource Source = new("arn:aws:dynamodb:local:000000000000:table/t/stream/s", "shard-1");

    private static EventSourceMappingOptions Mapping(int maxRetries = 3, bool bisect = true) => new()
    {
        Name = "test",
        Path = "/events/test",
        MaximumRetryAttempts = maxRetries,
        BisectBatchOnFunctionError = bisect,
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaximumBackoff = TimeSpan.FromMilliseconds(2),
    };

    private static List<JsonObject> Records(params string[] sequenceNumbers) => sequenceNumbers
        .Select(s => LambdaEvents.ToJson(DynamoDbStreamRecord.Of("INSERT", s, StreamImage.Strings(("pk", s)), null, null, Source.StreamArn, "us-east-1")))
        .ToList();

    /// <summary>A function that answers each invocation by a rule over the sequence numbers it was given.</summary>
    private sealed class ScriptedFunction(Func<string[], (HttpStatusCode Status, string Body)> answer) : HttpMessageHandler
    {
        public List<string[]> Invocations { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(ct))!;
            var sequences = body[LambdaEvents.Records]!.AsArray().Select(r => DynamoDbStreamRecord.SequenceNumberOf(r!.AsObject())!).ToArray();
            Invocations.Add(sequences);
            var (status, text) = answer(sequences);
            return new HttpResponseMessage(status) { Content = new StringContent(text) };
        }
    }

    private sealed class Factory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false) { BaseAddress = new Uri("http://workers") };
    }

    private static (BatchDelivery Delivery, OnFailureDestination Destination) Create(ScriptedFunction function)
    {
        var destination = new OnFailureDestination(Options.Create(new LocalAwsOptions()), NullLogger<OnFailureDestination>.Instance);
        return (new BatchDelivery(new FunctionInvoker(new Factory(function)), destination, NullLogger<BatchDelivery>.Instance), destination);
    }

    private static string Failures(params string[] ids) =>
        JsonSerializer.Serialize(BatchResponse.From(ids), LambdaEventJson.Default.BatchResponse);

    [Fact]
    public async Task Partial_failure_retries_from_the_first_failed_record()
    {
        var failedOnce = false;
        var function = new ScriptedFunction(seqs =>
        {
            if (!failedOnce && seqs.Contains("2"))
            {
                failedOnce = true;
                return (HttpStatusCode.OK, Failures("2"));
            }
            return (HttpStatusCode.OK, Failures());
        });
        var (delivery, destination) = Create(function);

        await delivery.DeliverAsync(Mapping(), Source, Records("1", "2", "3"), CancellationToken.None);

        Assert.Equal([["1", "2", "3"], ["2", "3"]], function.Invocations);
        Assert.Empty(destination.Entries);
    }

    [Fact]
    public async Task Function_error_bisects_until_the_poison_record_is_alone_then_sends_it_to_the_destination()
    {
        var function = new ScriptedFunction(seqs => seqs.Contains("3") ? (HttpStatusCode.InternalServerError, "boom") : (HttpStatusCode.OK, "{}"));
        var (delivery, destination) = Create(function);

        await delivery.DeliverAsync(Mapping(maxRetries: 2), Source, Records("1", "2", "3", "4"), CancellationToken.None);

        // [1,2,3,4] fails → [1,2] ok, [3,4] fails → [3] fails 1 + 2 retries, [4] ok.
        Assert.Equal([["1", "2", "3", "4"], ["1", "2"], ["3", "4"], ["3"], ["3"], ["3"], ["4"]], function.Invocations);
        var entry = Assert.Single(destination.Entries);
        Assert.Equal("RetryAttemptsExhausted", entry["requestContext"]!["condition"]!.GetValue<string>());
        Assert.Equal(3, entry["requestContext"]!["approximateInvokeCount"]!.GetValue<int>());
        Assert.Equal("3", entry["DDBStreamBatchInfo"]!["startSequenceNumber"]!.GetValue<string>());
        Assert.Equal("shard-1", entry["DDBStreamBatchInfo"]!["shardId"]!.GetValue<string>());
        Assert.Single(entry["records"]!.AsArray());
    }

    [Fact]
    public async Task Without_bisect_a_failing_batch_is_retried_whole_and_then_given_up()
    {
        var function = new ScriptedFunction(_ => (HttpStatusCode.BadGateway, ""));
        var (delivery, destination) = Create(function);

        await delivery.DeliverAsync(Mapping(maxRetries: 1, bisect: false), Source, Records("1", "2"), CancellationToken.None);

        Assert.Equal([["1", "2"], ["1", "2"]], function.Invocations);
        Assert.Equal(2, Assert.Single(destination.Entries)["DDBStreamBatchInfo"]!["batchSize"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_unknown_item_identifier_fails_the_whole_batch_as_Lambda_does()
    {
        var calls = 0;
        var function = new ScriptedFunction(_ => ++calls == 1 ? (HttpStatusCode.OK, Failures("no-such-record")) : (HttpStatusCode.OK, "{}"));
        var (delivery, destination) = Create(function);

        await delivery.DeliverAsync(Mapping(bisect: false), Source, Records("1", "2"), CancellationToken.None);

        Assert.Equal([["1", "2"], ["1", "2"]], function.Invocations);
        Assert.Empty(destination.Entries);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_with_the_same_batch_until_it_succeeds()
    {
        var calls = 0;
        var function = new ScriptedFunction(seqs => ++calls < 3 ? (HttpStatusCode.OK, Failures(seqs)) : (HttpStatusCode.OK, "{\"batchItemFailures\":[]}"));
        var (delivery, destination) = Create(function);

        await delivery.DeliverAsync(Mapping(), Source, Records("7"), CancellationToken.None);

        Assert.Equal(3, function.Invocations.Count);
        Assert.Empty(destination.Entries);
    }
}
