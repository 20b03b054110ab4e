using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using MyBlog.Core.Subscribers;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The welcome's promise on the whole topology, on a bad day: SES's API black-holed and then refusing during a crowd
/// of subscribes, the workers stopped while they hold claims, an outage longer than the stream's whole retry budget.
/// The faults come from the TCP proxy between the workers and SES's API (LocalAws's) and from Aspire's resource
/// commands. Each ends with every subscriber having exactly one welcome.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class WelcomeFaultTests(TestTopology app)
{
    private static readonly TimeSpan Drain = TimeSpan.FromMinutes(3);

    /// <summary>Runs <paramref name="body"/> with the SES proxy in <paramref name="mode"/>, and always heals it after.</summary>
    private async Task DuringAsync(FaultMode mode, Func<Task> body)
    {
        try
        {
            app.SesProxy.Mode = mode;
            await body();
        }
        finally
        {
            app.SesProxy.Mode = FaultMode.Pass;
        }
    }

    private static List<string> Addresses(string label, int count) =>
        Enumerable.Range(0, count).Select(_ => TestTopology.NewAddress(label)).ToList();

    private async Task SubscribeAllAsync(IEnumerable<string> addresses)
    {
        var responses = await Task.WhenAll(addresses.Select(a => app.SubscribeAsync(new { email = a })));
        Assert.All(responses, r => Assert.Equal(System.Net.HttpStatusCode.Accepted, r.StatusCode));
    }

    /// <summary>Every address has exactly one welcome, still after a few more sweeps, and none is owed any more.</summary>
    private async Task AssertExactlyOneEachAsync(IReadOnlyCollection<string> addresses)
    {
        var counts = await app.Mail.WaitForAllAsync(addresses, Drain);
        Assert.True(counts.Values.All(c => c > 0), $"{counts.Values.Count(c => c == 0)} of {addresses.Count} subscribers got no welcome");
        await Task.Delay(TestTopology.WelcomeLease / 2); // a few more sweeps and retries, which must send nothing
        counts = await app.Mail.CountsAsync(addresses);
        Assert.True(counts.Values.All(c => c == 1), $"doubled: {string.Join(", ", counts.Where(c => c.Value != 1).Select(c => $"{c.Key} ×{c.Value}"))}");

        var store = app.Subscribers();
        foreach (var address in addresses)
        {
            var subscriber = await store.FindAsync(TestTopology.SubscriberId(address), CancellationToken.None);
            Assert.False(subscriber!.WelcomeOwed);
            Assert.NotNull(subscriber.WelcomeSentAt);
        }
    }

    [Fact]
    public async Task SES_black_holed_then_refusing_during_hundreds_of_concurrent_subscribes_ends_with_exactly_one_welcome_each()
    {
        var addresses = Addresses("crowd", 250);
        await DuringAsync(FaultMode.BlackHole, async () =>
        {
            await SubscribeAllAsync(addresses);
            await Task.Delay(TimeSpan.FromSeconds(30));
            app.SesProxy.Mode = FaultMode.Refuse;
            await Task.Delay(TimeSpan.FromSeconds(30));
            Assert.True((await app.Mail.CountsAsync(addresses)).Values.All(c => c == 0));
        });
        await AssertExactlyOneEachAsync(addresses);
    }

    [Fact]
    public async Task Workers_stopped_while_they_hold_claims_lose_no_welcome()
    {
        var addresses = Addresses("killed", 10);
        await DuringAsync(FaultMode.BlackHole, async () => // sends hang while their claims are held
        {
            await SubscribeAllAsync(addresses);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!await AnyLeaseHeldAsync(addresses))
            {
                Assert.True(DateTime.UtcNow < deadline, "no claim was taken");
                await Task.Delay(25);
            }
            await app.StopAsync("workers");
            app.SesProxy.Mode = FaultMode.Pass;
            await Task.Delay(TimeSpan.FromSeconds(2));
            await app.StartAsync("workers");
        });
        await AssertExactlyOneEachAsync(addresses);
    }

    [Fact]
    public async Task An_outage_longer_than_the_stream_s_whole_retry_budget_is_delivered_by_the_sweep_once_SES_is_back()
    {
        var addresses = Addresses("exhausted", 20);
        var keys = addresses.Select(a => SubscriberKeys.PartitionKey(TestTopology.SubscriberId(a))).ToHashSet();
        await DuringAsync(FaultMode.Refuse, async () =>
        {
            await SubscribeAllAsync(addresses);
            // Each record is tried 1 + WelcomeStreamRetries times and then parked in the on-failure destination. The
            // retries back off and bisect batches, so on a busy two-core machine this takes over a minute.
            var deadline = DateTime.UtcNow.AddSeconds(150);
            while (!keys.IsSubsetOf(await ParkedSubscriberKeysAsync()))
            {
                Assert.True(DateTime.UtcNow < deadline, "the stream did not give up on every record");
                await Task.Delay(250);
            }
            Assert.True((await app.Mail.CountsAsync(addresses)).Values.All(c => c == 0));
        });
        await AssertExactlyOneEachAsync(addresses);
    }

    private async Task<bool> AnyLeaseHeldAsync(IEnumerable<string> addresses)
    {
        using var dynamo = app.DynamoDb();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var address in addresses)
        {
            var item = await dynamo.GetItemAsync(new GetItemRequest
            {
                TableName = "myblog",
                Key = new()
                {
                    ["pk"] = new() { S = SubscriberKeys.PartitionKey(TestTopology.SubscriberId(address)) },
                    ["sk"] = new() { S = SubscriberKeys.ProfileSortKey },
                },
                ConsistentRead = true,
            });
            if (item.Item is { } i && i.TryGetValue("welcomeLeaseUntil", out var lease) && long.Parse(lease.N, System.Globalization.CultureInfo.InvariantCulture) > now)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The subscriber keys in the records LocalAws's on-failure destination holds for the welcome mapping.</summary>
    private async Task<HashSet<string>> ParkedSubscriberKeysAsync()
    {
        var entries = await app.LocalAws.GetFromJsonAsync<JsonElement>("/failures");
        return entries.EnumerateArray()
            .Where(e => e.GetProperty("requestContext").GetProperty("functionArn").GetString()!.EndsWith(":welcome-mail", StringComparison.Ordinal))
            .SelectMany(e => e.GetProperty("records").EnumerateArray())
            .Select(r => r.GetProperty("dynamodb").GetProperty("Keys").GetProperty("pk").GetProperty("S").GetString()!)
            .ToHashSet();
    }

}
