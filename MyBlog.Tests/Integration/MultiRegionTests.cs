using System.Diagnostics;
using System.Net;
using Amazon.DynamoDBv2.Model;
using MyBlog.Api.Hosting;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Integration;

/// <summary>
/// MyBlog in two regions on one laptop: the replicas behave as global tables do (asynchronous, last writer wins,
/// replicated writes in the receiving stream), work a region owns is done once, and a region's outage is ridden out
/// and caught up with. The consistency model these tests hold to is in docs/regions.md.
/// </summary>
[Collection(MultiRegionCollection.Name)]
public sealed class MultiRegionTests(MultiRegionTopology regions)
{
    private const string Home = MultiRegionTopology.Home;
    private const string Other = MultiRegionTopology.Other;

    private async Task PutAsync(string region, string pk, string value)
    {
        using var dynamo = regions.DynamoDb(region);
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = MyBlogTable.DefaultName,
            Item = new() { [MyBlogTable.PartitionKey] = new(pk), [MyBlogTable.SortKey] = new("TEST"), ["value"] = new(value) },
        });
    }

    [Fact]
    public async Task A_write_reaches_the_other_region_after_the_lag_not_before()
    {
        var pk = $"TEST#{Guid.NewGuid():N}";
        var written = Stopwatch.StartNew();
        await PutAsync(Home, pk, "home");
        Assert.Null(await regions.ItemAsync(Other, pk, "TEST"));

        var replicated = await regions.ItemEventuallyAsync(Other, pk, "TEST", item => item is not null, TimeSpan.FromSeconds(10));
        Assert.Equal("home", replicated?["value"]);
        Assert.InRange(written.Elapsed, MultiRegionTopology.Lag * 0.9, MultiRegionTopology.Lag + TimeSpan.FromSeconds(3));

        // And back: a change made in the other region replicates home, the same way.
        await PutAsync(Other, pk, "other");
        Assert.Equal("other", (await regions.ItemEventuallyAsync(Home, pk, "TEST", item => item?["value"] == "other", TimeSpan.FromSeconds(10)))?["value"]);
    }

    [Fact]
    public async Task Two_regions_writing_one_item_at_once_both_end_with_the_later_write()
    {
        // Inside the lag, neither region has seen the other's write when it makes its own: a true conflict.
        var homeLast = $"TEST#{Guid.NewGuid():N}";
        var otherLast = $"TEST#{Guid.NewGuid():N}";
        await PutAsync(Other, homeLast, "other");
        await PutAsync(Home, otherLast, "home");
        await Task.Delay(200);
        await PutAsync(Home, homeLast, "home");
        await PutAsync(Other, otherLast, "other");

        await Task.Delay(MultiRegionTopology.Lag * 3);
        foreach (var region in new[] { Home, Other })
        {
            Assert.Equal("home", (await regions.ItemAsync(region, homeLast, "TEST"))?["value"]);
            Assert.Equal("other", (await regions.ItemAsync(region, otherLast, "TEST"))?["value"]);
        }

        // A delete is a write like any other: the later of a delete and a put wins in both.
        var deleted = $"TEST#{Guid.NewGuid():N}";
        await PutAsync(Home, deleted, "first");
        await regions.ItemEventuallyAsync(Other, deleted, "TEST", item => item is not null, TimeSpan.FromSeconds(10));
        await PutAsync(Home, deleted, "put-before-the-delete");
        await Task.Delay(200);
        using (var other = regions.DynamoDb(Other))
        {
            await other.DeleteItemAsync(MyBlogTable.DefaultName, new() { [MyBlogTable.PartitionKey] = new(deleted), [MyBlogTable.SortKey] = new("TEST") });
        }
        await Task.Delay(MultiRegionTopology.Lag * 3);
        Assert.Null(await regions.ItemAsync(Home, deleted, "TEST"));
        Assert.Null(await regions.ItemAsync(Other, deleted, "TEST"));

        var status = await regions.ReplicationAsync(Home);
        Assert.True(status.GetProperty("peers").GetProperty(Other).GetProperty("dropped").GetInt64() > 0, "no change was dropped as an earlier writer");
    }

    [Fact]
    public async Task One_address_subscribing_in_both_regions_at_once_gets_one_welcome()
    {
        var address = TestTopology.NewAddress("both-regions");
        var answers = await Task.WhenAll(regions.SubscribeInAsync(Home, address), regions.SubscribeInAsync(Other, address));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        Assert.Equal([Home, Other], answers.Select(a => a.Headers.GetValues(ServingRegion.Header).Single()));

        await regions.Mail.WaitForAsync(address, TimeSpan.FromSeconds(30));
        // Both regions' streams carried both writes, and both sweeps ran a few times since.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Single(await regions.Mail.ToAsync(address));

        // The replicas agree on the subscriber, and on the welcome having gone.
        var id = TestTopology.SubscriberId(address);
        var home = await regions.ItemEventuallyAsync(Home, SubscriberKeys.PartitionKey(id), SubscriberKeys.ProfileSortKey,
            item => item?.ContainsKey("welcomeSentAt") == true, TimeSpan.FromSeconds(10));
        var other = await regions.ItemEventuallyAsync(Other, SubscriberKeys.PartitionKey(id), SubscriberKeys.ProfileSortKey,
            item => item?.ContainsKey("welcomeSentAt") == true, TimeSpan.FromSeconds(10));
        Assert.Equal(home?["welcomeSentAt"], other?["welcomeSentAt"]);
        Assert.Equal(home?["welcomeRegion"], other?["welcomeRegion"]);
    }

    [Fact]
    public async Task Subscribers_in_both_regions_get_one_welcome_each_sent_by_the_region_they_subscribed_in()
    {
        var addresses = Enumerable.Range(0, 30).Select(i => TestTopology.NewAddress($"spread{i}")).ToList();
        var answers = await Task.WhenAll(addresses.Select((a, i) => regions.SubscribeInAsync(i % 2 == 0 ? Home : Other, a)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));

        var counts = await regions.Mail.WaitForAllAsync(addresses, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(6));
        counts = await regions.Mail.CountsAsync(addresses);
        Assert.True(counts.Values.All(c => c == 1), string.Join(", ", counts.Where(c => c.Value != 1).Select(c => $"{c.Key} ×{c.Value}")));
        for (var i = 0; i < addresses.Count; i++)
        {
            var item = await regions.ItemAsync(Home, SubscriberKeys.PartitionKey(TestTopology.SubscriberId(addresses[i])), SubscriberKeys.ProfileSortKey);
            Assert.Equal(i % 2 == 0 ? Home : Other, item?["welcomeRegion"]);
        }
    }

    [Fact]
    public async Task A_region_that_goes_down_is_ridden_out_and_catches_up_without_sending_twice()
    {
        // Subscribers whose writes land in the home region just before it goes.
        var before = Enumerable.Range(0, 10).Select(i => TestTopology.NewAddress($"before{i}")).ToList();
        await Task.WhenAll(before.Select(a => regions.SubscribeInAsync(Home, a)));
        var down = Stopwatch.StartNew();
        await regions.TakeDownAsync(Home);

        // The edge sends the API's requests to the other region once the home region fails its checks.
        var failover = await ServedByAsync(Other, TimeSpan.FromSeconds(30));
        Assert.True(failover is not null, "the edge never sent a request to the other region");

        // During the outage: the site answers, readers subscribe through the edge, and each gets one welcome.
        var during = Enumerable.Range(0, 10).Select(i => TestTopology.NewAddress($"during{i}")).ToList();
        foreach (var address in during)
        {
            using var subscribed = await SubscribeThroughEdgeAsync(address);
            Assert.Equal(HttpStatusCode.Accepted, subscribed.StatusCode);
            Assert.Equal(Other, subscribed.Headers.GetValues(ServingRegion.Header).Single());
        }
        Assert.Equal(HttpStatusCode.OK, (await regions.Site.GetAsync("/")).StatusCode);
        var duringCounts = await regions.Mail.WaitForAllAsync(during, TimeSpan.FromSeconds(60));
        Assert.True(duringCounts.Values.All(c => c == 1), "subscribers during the outage did not get exactly one welcome each");
        await Task.Delay(TimeSpan.FromSeconds(5));

        await regions.BringBackAsync(Home);

        // Back: what was written meanwhile reached the home region's replica, and the requests come home again.
        foreach (var address in during)
        {
            var item = await regions.ItemEventuallyAsync(Home, SubscriberKeys.PartitionKey(TestTopology.SubscriberId(address)), SubscriberKeys.ProfileSortKey,
                i => i?.ContainsKey("welcomeSentAt") == true, TimeSpan.FromSeconds(30));
            Assert.True(item?.ContainsKey("welcomeSentAt") == true, $"{address}'s subscription did not reach the home region after it came back");
        }
        Assert.NotNull(await ServedByAsync(Home, TimeSpan.FromSeconds(30)));

        // Everyone has exactly one welcome, those who subscribed just before the outage included.
        var counts = await regions.Mail.WaitForAllAsync([.. before, .. during], TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(6));
        counts = await regions.Mail.CountsAsync([.. before, .. during]);
        Assert.True(counts.Values.All(c => c == 1), string.Join(", ", counts.Where(c => c.Value != 1).Select(c => $"{c.Key} ×{c.Value}")));
    }

    /// <summary>Polls the API through the edge until the region named answers; returns how long that took, or null.</summary>
    private async Task<TimeSpan?> ServedByAsync(string region, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            try
            {
                using var response = await regions.Site.GetAsync($"/api/posts?probe={Guid.NewGuid():N}");
                if (response.Headers.TryGetValues(ServingRegion.Header, out var served) && served.Single() == region)
                {
                    return waited.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // A request in flight when the region went: the next one goes elsewhere.
            }
            await Task.Delay(100);
        }
        return null;
    }

    private async Task<HttpResponseMessage> SubscribeThroughEdgeAsync(string address)
    {
        using var reader = TestTopology.ReaderOf(regions.Site.BaseAddress!, TestTopology.RandomClientIp());
        return await reader.PostAsync("/api/subscribers", System.Net.Http.Json.JsonContent.Create(await TestTopology.WithProofAsync(reader, new { email = address })));
    }
}
