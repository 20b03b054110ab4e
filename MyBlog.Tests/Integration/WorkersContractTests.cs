using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The Workers endpoint fed the DynamoDB Streams event exactly as AWS documents it (what the Lambda Web Adapter
/// passes through), answering Lambda's partial-batch response.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class WorkersContractTests(TestTopology app)
{
    private static long _sequence = 4_000_000_000;

    /// <summary>A record in AWS's documented shape (LambdaEventShapesTests holds the shared types to AWS's samples).</summary>
    private static DynamoDbStreamRecord StreamRecord(string eventName, string pk, string? email = null)
    {
        var sequence = Interlocked.Increment(ref _sequence).ToString("D21");
        var keys = StreamImage.Strings(("pk", pk), ("sk", "PROFILE"));
        var image = email is null ? keys : StreamImage.Strings(("pk", pk), ("sk", "PROFILE"), ("email", email), ("status", "pending"));
        return DynamoDbStreamRecord.Of(eventName, sequence, keys, image, oldImage: null,
            "arn:aws:dynamodb:us-east-1:123456789012:table/myblog/stream/2026-11-27T00:00:00.000", "us-east-1");
    }

    private async Task<string[]> PostAsync(params DynamoDbStreamRecord[] records)
    {
        var response = await app.Workers.PostAsync(AwsFunctions.WelcomeMail.Path,
            new StringContent(LambdaEvents.Serialize(new DynamoDbStreamEvent(records)), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return LambdaEvents.ReadResponse(await response.Content.ReadAsStringAsync())!.BatchItemFailures!.Select(f => f.ItemIdentifier!).ToArray();
    }

    private static (string Id, string Pk) Keys(string address)
    {
        EmailAddress.TryParse(address, out var email, out _);
        var id = TestTopology.Ids.IdFor(email!);
        return (id, SubscriberKeys.PartitionKey(id));
    }

    [Fact]
    public async Task A_record_that_cannot_be_processed_is_reported_by_its_sequence_number_and_the_rest_succeed()
    {
        var address = TestTopology.NewAddress("contract");
        await app.SubscribeAsync(new { email = address });
        await app.Mail.WaitForAsync(address);

        var good = StreamRecord("INSERT", Keys(address).Pk, address);
        var bad = StreamRecord("INSERT", "SUBSCRIBER#not-a-subscriber-id");
        var modify = StreamRecord("MODIFY", Keys(address).Pk, address);

        var failures = await PostAsync(good, bad, modify);

        Assert.Equal([bad.Dynamodb!.SequenceNumber!], failures);
    }

    [Fact]
    public async Task An_empty_batch_succeeds_with_no_failures()
    {
        Assert.Empty(await PostAsync());
    }

    [Fact]
    public async Task A_body_that_is_not_an_event_is_a_400_problem_so_Lambda_retries_it_as_a_function_error()
    {
        var response = await app.Workers.PostAsync(AwsFunctions.WelcomeMail.Path,
            new StringContent("{\"Records\": 7}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Same_stream_record_delivered_twice_sends_one_email()
    {
        var address = TestTopology.NewAddress("redelivered");
        await app.SubscribeAsync(new { email = address });
        await app.Mail.WaitForAsync(address);

        var record = StreamRecord("INSERT", Keys(address).Pk, address);
        Assert.Empty(await PostAsync(record));
        Assert.Empty(await PostAsync(record));

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(await app.Mail.ToAsync(address));
    }

    [Fact]
    public async Task Racing_deliveries_of_a_new_subscriber_send_one_email()
    {
        var address = TestTopology.NewAddress("race");
        var (_, pk) = Keys(address);
        // Stored by the store itself, as the API does: the stream delivery by LocalAws races the four direct deliveries below.
        EmailAddress.TryParse(address, out var email, out _);
        Assert.Equal(SubscribeOutcome.Added, await app.Subscribers().AddAsync(new NewSubscriber(email!, null), null, CancellationToken.None));
        var record = StreamRecord("INSERT", pk, address);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostAsync(record)));

        Assert.All(results, Assert.Empty);
        await app.Mail.WaitForAsync(address);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(await app.Mail.ToAsync(address));
    }
}
