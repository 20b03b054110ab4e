using System.Globalization;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting.Testing;
using MyBlog.Tests.Support;
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
public sealed class MultiRegionTests(MultiRegionTopology regions) : IAsyncLifetime
{
    private const string Home = MultiRegionTopology.Home;
    private const string Other = MultiRegionTopology.Other;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>A test that failed during an outage would otherwise leave the region down for every test after it.</summary>
    public Task DisposeAsync() => regions.BringBackEveryRegionAsync();

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
        Assert.InRange(written.Elapsed, regions.Lag * 0.9, regions.Lag + TimeSpan.FromSeconds(3));

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

        await Task.Delay(regions.Lag * 3);
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
        await Task.Delay(regions.Lag * 3);
        Assert.Null(await regions.ItemAsync(Home, deleted, "TEST"));
        Assert.Null(await regions.ItemAsync(Other, deleted, "TEST"));

        var status = await regions.ReplicationAsync(Home);
        Assert.True(status.GetProperty("peers").GetProperty(Other).GetProperty("dropped").GetInt64() > 0, "no change was dropped as an earlier writer");
    }

    [Fact]
    public async Task A_change_from_the_other_region_never_overwrites_a_write_made_here_a_moment_before_it_arrives()
    {
        // A write made here is stamped as this region's stream is read, a moment after it is made. A change from the
        // other region made before it (every change waits out the lag) that arrives in that moment is the earlier
        // writer, and must not be put over it: the write made here would then win in the other region and lose here.
        var localAws = regions.App.CreateHttpClient(MultiRegionTopology.Named("localaws", Other));
        var keys = new List<string>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var key = $"TEST#{Guid.NewGuid():N}";
            keys.Add(key);
            await PutAsync(Other, key, "made-here");
            var change = new JsonObject
            {
                ["keys"] = new JsonObject { [MyBlogTable.PartitionKey] = new JsonObject { ["S"] = key }, [MyBlogTable.SortKey] = new JsonObject { ["S"] = "TEST" } },
                ["newImage"] = new JsonObject
                {
                    [MyBlogTable.PartitionKey] = new JsonObject { ["S"] = key },
                    [MyBlogTable.SortKey] = new JsonObject { ["S"] = "TEST" },
                    ["value"] = new JsonObject { ["S"] = "made-earlier-there" },
                },
                ["stamp"] = DateTime.UtcNow.AddSeconds(-1).Ticks,
                ["region"] = Home,
            };
            using var sent = await localAws.PostAsJsonAsync("/replication/changes", new JsonArray(change));
            sent.EnsureSuccessStatusCode();
            Assert.Equal(1, (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dropped").GetInt32());
        }
        await Task.Delay(regions.Lag * 3);
        foreach (var key in keys)
        {
            foreach (var region in new[] { Home, Other })
            {
                Assert.Equal("made-here", (await regions.ItemEventuallyAsync(region, key, "TEST", i => i?["value"] == "made-here", TimeSpan.FromSeconds(10)))?["value"]);
            }
        }
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
    public async Task A_subscriber_erased_through_one_region_is_gone_from_both_replicas()
    {
        var address = TestTopology.NewAddress("erase-both");
        await ConfirmedInAsync(Home, address);
        var id = TestTopology.SubscriberId(address);
        Assert.True(Core.Subscribers.EmailAddress.TryParse(address, out var email, out _));
        var mailbox = SubscriberKeys.MailboxPrefix + TestTopology.Ids.MailboxFor(email!);
        Assert.NotNull(await regions.ItemEventuallyAsync(Other, mailbox, SubscriberKeys.MailboxSortKey, i => i is not null, TimeSpan.FromSeconds(10)));

        using var erase = TestTopology.AdminRequest(HttpMethod.Delete, $"/api/admin/subscribers/{id}");
        using var erased = await regions.ApiAsync(Other, erase);
        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        foreach (var replica in new[] { Home, Other })
        {
            Assert.Null(await regions.ItemEventuallyAsync(replica, SubscriberKeys.PartitionKey(id), SubscriberKeys.ProfileSortKey, i => i is null, TimeSpan.FromSeconds(15)));
            Assert.Null(await regions.ItemEventuallyAsync(replica, mailbox, SubscriberKeys.MailboxSortKey, i => i is null, TimeSpan.FromSeconds(15)));
            using var list = TestTopology.AdminRequest(HttpMethod.Get, $"/api/admin/subscribers?q={Uri.EscapeDataString(address)}");
            using var listed = await regions.ApiAsync(replica, list);
            Assert.Contains("\"subscribers\":[]", await listed.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_lost_region_s_unclaimed_welcomes_are_sent_by_the_other_region_once_and_not_again_when_it_returns()
    {
        // The home region is rejoining (as after an absence of its own): for a minute it claims nothing, while its API
        // still takes subscribes and they reach the other region's copy. Then, before it has sent any, the region goes.
        await MakeRejoiningAsync(Home, TimeSpan.FromMinutes(1));
        var orphans = Enumerable.Range(0, 5).Select(i => TestTopology.NewAddress($"orphan{i}")).ToList();
        foreach (var address in orphans)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await regions.SubscribeInAsync(Home, address)).StatusCode);
        }
        var keys = orphans.Select(a => SubscriberKeys.PartitionKey(TestTopology.SubscriberId(a))).ToList();
        foreach (var key in keys)
        {
            Assert.Equal(Home, (await regions.ItemEventuallyAsync(Other, key, SubscriberKeys.ProfileSortKey, i => i is not null, TimeSpan.FromSeconds(10)))?["welcomeRegion"]);
        }
        Assert.All((await regions.Mail.CountsAsync(orphans)).Values, c => Assert.Equal(0, c));
        await regions.HoldReplicationAsync(Other, Home, hold: true);
        try
        {
            var silent = Stopwatch.StartNew(); // its heartbeat (the welcome sweep) stops with it
            await regions.TakeDownAsync(Home);
            // Its services stop when asked, in seconds: a shutdown that waits on something (telemetry exporters retrying a
            // collector nobody runs did) makes every outage, and every test of one, minutes long.
            Assert.True(silent.Elapsed < TimeSpan.FromSeconds(15), $"taking {Home} down took {silent.Elapsed}");
            // Readers are served by the other region through the edge within seconds (its health check runs every second).
            Assert.NotNull(await EdgeReader.ServedByAsync(regions.Site, Other, TimeSpan.FromSeconds(10)));

            // Silent for the handover time, the home region is lost: the other region takes its unclaimed welcomes and sends them.
            await regions.Mail.WaitForAllAsync(orphans, regions.HandoverAfter + TimeSpan.FromSeconds(40));
            Assert.True(silent.Elapsed >= regions.HandoverAfter * 0.9, $"welcomed {silent.Elapsed} after the region fell silent, before the handover time");
            foreach (var key in keys)
            {
                var item = await regions.ItemEventuallyAsync(Other, key, SubscriberKeys.ProfileSortKey, i => i?.ContainsKey("welcomeSentAt") == true, TimeSpan.FromSeconds(10));
                Assert.Equal(Other, item?["welcomeRegion"]);
                Assert.Equal(Home, item?["welcomeTakenFrom"]);
            }

            // Back, the home region waits until the other has seen it back and that region's writes have reached it,
            // however long they take. With the link from the other region held (since before the outage, so that nothing
            // the other region wrote meanwhile is in flight) for longer than a timed wait would allow, it sends nothing,
            // though its own copy still says the welcomes are its to send.
            await regions.BringBackAsync(Home);
            var back = Stopwatch.StartNew();
            // Healthy again, it serves its readers again within seconds: the edge prefers it as soon as its checks pass.
            Assert.NotNull(await EdgeReader.ServedByAsync(regions.Site, Home, TimeSpan.FromSeconds(10)));
            await Task.Delay(TimeSpan.FromSeconds(20) - back.Elapsed);
            Assert.All((await regions.Mail.CountsAsync(orphans)).Values, c => Assert.Equal(1, c));
            foreach (var key in keys)
            {
                Assert.Equal(Home, (await regions.ItemAsync(Home, key, SubscriberKeys.ProfileSortKey))?["welcomeRegion"]);
            }
        }
        finally
        {
            await regions.HoldReplicationAsync(Other, Home, hold: false);
        }
        foreach (var key in keys)
        {
            var item = await regions.ItemEventuallyAsync(Home, key, SubscriberKeys.ProfileSortKey, i => i?.ContainsKey("welcomeSentAt") == true, TimeSpan.FromSeconds(30));
            Assert.Equal(Other, item?["welcomeRegion"]);
        }
        await Task.Delay(TimeSpan.FromSeconds(20));
        var counts = await regions.Mail.CountsAsync(orphans);
        Assert.True(counts.Values.All(c => c == 1), string.Join(", ", counts.Select(c => $"{c.Key} ×{c.Value}")));

        // And it works again: a new reader there is welcomed by it, once.
        var after = TestTopology.NewAddress("after-return");
        Assert.Equal(HttpStatusCode.Accepted, (await regions.SubscribeInAsync(Home, after)).StatusCode);
        await regions.Mail.WaitForAsync(after, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Single(await regions.Mail.ToAsync(after));
    }

    [Fact]
    public async Task One_post_published_in_both_regions_at_once_is_mailed_once_to_each_reader_and_both_agree_on_it()
    {
        var audience = Enumerable.Range(0, 4).Select(i => TestTopology.NewAddress($"samepost{i}")).ToList();
        await Task.WhenAll(audience.Select((a, i) => ConfirmedInAsync(i % 2 == 0 ? Home : Other, a)));

        // A draft, written once and replicated; then the author's publish reaches both regions inside the lag (a retry
        // that failed over, or the scheduled-publishing run of each region): a true conflict on the post and its job.
        var title = $"Published twice at once {Guid.NewGuid():N}";
        var draft = await AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title, markdown = "Once, please.", tags = new[] { "regions" } });
        var slug = draft.GetProperty("slug").GetString()!;
        await Task.Delay(regions.Lag * 3);
        var answers = await Task.WhenAll(new[] { Home, Other }.Select(region =>
            regions.ApiAsync(region, TestTopology.AdminRequest(HttpMethod.Post, $"/api/admin/posts/{slug}/publish", null, "\"v1\""))));
        Assert.All(answers, a => Assert.True(a.IsSuccessStatusCode, $"publish answered {(int)a.StatusCode}"));

        await regions.Mail.WaitForSubjectAsync(title, audience, TimeSpan.FromSeconds(60));
        // Both planners have long decided, both senders' queues are drained.
        await Task.Delay(TimeSpan.FromSeconds(10));
        var counts = await regions.Mail.SubjectCountsAsync(title, audience);
        Assert.True(counts.Values.All(c => c == 1), string.Join(", ", counts.Select(c => $"{c.Key} ×{c.Value}")));

        // Both replicas hold the same post and the same job, naming the one region that sent it.
        using var home = regions.DynamoDb(Home);
        var post = await home.GetItemAsync(MyBlogTable.DefaultName,
            new() { [MyBlogTable.PartitionKey] = new(Core.Posts.PostStore.PartitionPrefix + slug), [MyBlogTable.SortKey] = new(Core.Posts.PostStore.SortKeyValue) });
        Assert.Equal("published", post.Item["status"].S);
        var job = Core.Newsletter.NewsletterStore.PartitionKey(post.Item["postId"].S);
        var homeJob = await regions.ItemEventuallyAsync(Home, job, Core.Newsletter.NewsletterStore.JobSortKey, i => i is not null, TimeSpan.FromSeconds(10));
        var otherJob = await regions.ItemEventuallyAsync(Other, job, Core.Newsletter.NewsletterStore.JobSortKey, i => i?["region"] == homeJob?["region"], TimeSpan.FromSeconds(10));
        Assert.Equal(homeJob?["region"], otherJob?["region"]);
        Assert.Contains(homeJob?["region"], new[] { Home, Other });
    }

    [Fact]
    public async Task A_region_lost_for_minutes_in_the_middle_of_hundreds_of_subscribes_and_a_publish_loses_nothing_and_sends_nothing_twice()
    {
        // The newsletter's audience: readers confirmed before the outage, half of them in each region.
        var audience = Enumerable.Range(0, 6).Select(i => TestTopology.NewAddress($"audience{i}")).ToList();
        await Task.WhenAll(audience.Select((a, i) => ConfirmedInAsync(i % 2 == 0 ? Home : Other, a)));

        // Several hundred readers subscribe through the edge; the home region is lost in the middle of it. A reader
        // whose request failed as the region went tries again, as the form lets them.
        var crowd = Enumerable.Range(0, 300).Select(i => TestTopology.NewAddress($"crowd{i}")).ToList();
        var answered = 0;
        var subscribing = Parallel.ForEachAsync(crowd, new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (address, _) =>
        {
            await SubscribeUntilAcceptedAsync(address);
            Interlocked.Increment(ref answered);
        });
        while (Volatile.Read(ref answered) < crowd.Count / 3)
        {
            await Task.Delay(50);
        }
        var down = Stopwatch.StartNew();
        await regions.TakeDownAsync(Home);
        await subscribing;
        Assert.NotNull(await EdgeReader.ServedByAsync(regions.Site, Other, TimeSpan.FromSeconds(30)));

        // While it is down, the site and the photos answer; the author uploads a photo and publishes a post.
        var photo = await UploadPhotoAsync();
        var processed = await WaitForPhotoAsync(photo);
        Assert.Equal("ready", processed.GetProperty("status").GetString());
        var image = processed.GetProperty("variants")[0].GetProperty("jpeg").GetString()!;
        var title = $"Written while a region was down {Guid.NewGuid():N}";
        var post = await AdminAsync(HttpMethod.Post, "/api/admin/posts",
            new { title, markdown = $"The photo:\n\n![Harbour]({image})", tags = new[] { "outage" } });
        var slug = post.GetProperty("slug").GetString()!;
        await AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish", ifMatch: "\"v1\"");
        var pages = new[] { "/", $"/posts/{slug}/", image };
        Assert.Equal(HttpStatusCode.OK, (await TestTopology.EventuallyAsync(regions.Site, pages[1], (status, _) => status == HttpStatusCode.OK, TimeSpan.FromSeconds(30))).Status);
        await regions.Mail.WaitForSubjectAsync(title, audience, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var newsletter = await regions.Mail.SubjectCountsAsync(title, audience);
        Assert.True(newsletter.Values.All(c => c == 1), "the newsletter published during the outage did not reach each confirmed reader once");

        // Minutes, not seconds: every page keeps answering until the region comes back.
        while (down.Elapsed < TimeSpan.FromMinutes(2))
        {
            foreach (var page in pages)
            {
                using var response = await regions.Site.GetAsync(page);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page} answered {(int)response.StatusCode} during the outage");
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        await regions.BringBackAsync(Home);
        // Back, and catching up on minutes of the other region's writes, it serves its readers again within seconds.
        var failBack = await EdgeReader.ServedByAsync(regions.Site, Home, TimeSpan.FromSeconds(30));
        Assert.True(failBack < TimeSpan.FromSeconds(10), $"the edge sent readers back to {Home} {failBack?.TotalSeconds:0.0} s after its return (null: not within 30 s)");

        // Everyone has exactly one welcome — those whose writes landed in the home region just before it went
        // included — and the newsletter went once to each, still after the home region caught up.
        var counts = await regions.Mail.WaitForAllAsync(crowd, TimeSpan.FromMinutes(2));
        await Task.Delay(TimeSpan.FromSeconds(8));
        counts = await regions.Mail.CountsAsync(crowd);
        Assert.True(counts.Values.All(c => c == 1), string.Join(", ", counts.Where(c => c.Value != 1).Select(c => $"{c.Key} ×{c.Value}")));
        Assert.True((await regions.Mail.SubjectCountsAsync(title, audience)).Values.All(c => c == 1), "the newsletter was sent again after the region came back");

        // Nothing written during the outage is lost: the home region's replica has the post, the photo and every reader.
        foreach (var address in crowd)
        {
            var reader = await regions.ItemEventuallyAsync(Home, SubscriberKeys.PartitionKey(TestTopology.SubscriberId(address)), SubscriberKeys.ProfileSortKey,
                item => item?.ContainsKey("welcomeSentAt") == true, TimeSpan.FromSeconds(30));
            Assert.True(reader?.ContainsKey("welcomeSentAt") == true, $"{address} is not in the home region's replica with its welcome recorded");
        }
        var published = await AdminAsync(HttpMethod.Get, $"/api/admin/posts/{slug}");
        Assert.Equal("published", published.GetProperty("status").GetString());
        Assert.Equal("ready", (await AdminAsync(HttpMethod.Get, $"/api/admin/photos/{photo}")).GetProperty("status").GetString());
    }

    /// <summary>A reader who subscribes (in one region's API), gets the welcome and follows its confirm link, seen confirmed in both replicas.</summary>
    private async Task ConfirmedInAsync(string region, string address)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await regions.SubscribeInAsync(region, address)).StatusCode);
        var text = await regions.Mail.PlainTextAsync((await regions.Mail.WaitForAsync(address, TimeSpan.FromSeconds(30))).Id);
        using var confirmed = await regions.ApiAsync(region, new HttpRequestMessage(HttpMethod.Post, TestTopology.ConfirmLinkIn(text).PathAndQuery));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        foreach (var replica in new[] { Home, Other })
        {
            var item = await regions.ItemEventuallyAsync(replica, SubscriberKeys.PartitionKey(TestTopology.SubscriberId(address)), SubscriberKeys.ProfileSortKey,
                i => i?.GetValueOrDefault("status") == "confirmed", TimeSpan.FromSeconds(15));
            Assert.Equal("confirmed", item?["status"]);
        }
    }

    /// <summary>
    /// Makes <paramref name="region"/> quiet for <paramref name="quiet"/>, as after an absence of its own, by writing its
    /// heartbeat — and again, until a heartbeat the region itself wrote afterwards keeps the quiet. Its sweep reads the
    /// heartbeats and then writes its own whole; one whose read came before this write would wipe the quiet, and the
    /// region would claim what it was meant to leave.
    /// </summary>
    private async Task MakeRejoiningAsync(string region, TimeSpan quiet)
    {
        using var dynamo = regions.DynamoDb(region);
        var key = new Dictionary<string, AttributeValue>
        {
            [MyBlogTable.PartitionKey] = new(Core.Regions.RegionPresence.PartitionKey),
            [MyBlogTable.SortKey] = new(region),
        };
        static string Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{region}'s sweep did not keep the quiet written into its heartbeat");
            var now = DateTimeOffset.UtcNow;
            await dynamo.PutItemAsync(MyBlogTable.DefaultName, new(key)
            {
                [Core.Regions.RegionPresence.AtAttribute] = new() { N = Ms(now) },
                [Core.Regions.RegionPresence.QuietUntilAttribute] = new() { N = Ms(now + quiet) },
            });
            // The region's next heartbeat (its sweep runs every 2 s).
            Dictionary<string, AttributeValue> beat;
            do
            {
                await Task.Delay(200);
                beat = (await dynamo.GetItemAsync(new GetItemRequest { TableName = MyBlogTable.DefaultName, Key = key, ConsistentRead = true })).Item;
            }
            while (beat[Core.Regions.RegionPresence.AtAttribute].N == Ms(now) && DateTime.UtcNow < deadline);
            if (beat.ContainsKey(Core.Regions.RegionPresence.QuietUntilAttribute))
            {
                return;
            }
        }
    }

    private async Task SubscribeUntilAcceptedAsync(string address)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await SubscribeThroughEdgeAsync(address);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    return;
                }
                Assert.True(attempt < 20 && (int)response.StatusCode >= 500, $"subscribe of {address} answered {(int)response.StatusCode}");
            }
            catch (HttpRequestException) when (attempt < 20)
            {
                // The region went while the request was in flight: the reader presses the button again.
            }
            await Task.Delay(500);
        }
    }

    private async Task<JsonElement> AdminAsync(HttpMethod method, string path, object? body = null, string? ifMatch = null) =>
        await TestTopology.AdminAsync(regions.Site, method, path, body, ifMatch);

    private async Task<string> UploadPhotoAsync()
    {
        var bytes = TestImages.CameraJpeg(1200, 800);
        var ticket = await AdminAsync(HttpMethod.Post, "/api/admin/photos", new { fileName = "harbour.jpg", contentType = "image/jpeg", size = bytes.Length });
        Assert.Equal(HttpStatusCode.OK, await TestTopology.PutUploadAsync(ticket, bytes));
        return ticket.GetProperty("photoId").GetString()!;
    }

    private async Task<JsonElement> WaitForPhotoAsync(string photo)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await AdminAsync(HttpMethod.Get, $"/api/admin/photos/{photo}");
            if (status.GetProperty("status").GetString() != "awaiting-upload" || DateTime.UtcNow > deadline)
            {
                return status;
            }
            await Task.Delay(250);
        }
    }

    private async Task<HttpResponseMessage> SubscribeThroughEdgeAsync(string address)
    {
        using var reader = TestTopology.ReaderOf(regions.Site.BaseAddress!, TestTopology.RandomClientIp());
        return await reader.PostAsync("/api/subscribers", System.Net.Http.Json.JsonContent.Create(await TestTopology.WithProofAsync(reader, new { email = address })));
    }
}
