using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MyBlog.Core;
using MyBlog.Core.Regions;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The handover rule step by step, with the clock under the test's control: two regions' stores and heartbeats over
/// one table of the test's own (what replication adds is in MultiRegionTests). A region silent past the handover time
/// is lost; its welcomes nobody claimed change hands, its claimed ones (it may have sent them) do not; back, it stays
/// quiet before it does anything.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class RegionHandoverTests(TestTopology app) : IAsyncLifetime
{
    private const string East = "us-east-1";
    private const string West = "eu-west-1";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly WelcomeOptions _welcome = new() { HandoverAfter = TimeSpan.FromMinutes(10), Settle = TimeSpan.FromSeconds(30) };
    private IsolatedStorage _storage = null!;

    public async Task InitializeAsync() => _storage = await IsolatedStorage.CreateAsync(app);

    public async Task DisposeAsync() => await _storage.DisposeAsync();

    private (SubscriberStore Store, RegionPresence Presence) In(string? region)
    {
        var site = Options.Create(new MyBlogOptions { TableName = _storage.Site.Value.TableName, Region = region });
        return (new SubscriberStore(_storage.Dynamo, TestTopology.Ids, site, Options.Create(_welcome), _time),
            new RegionPresence(_storage.Dynamo, site, Options.Create(_welcome), _time));
    }

    /// <summary>Minutes pass with <paramref name="alive"/>'s sweep beating every minute, as it does; the last view.</summary>
    private async Task<PresenceView> MinutesPassAsync(int minutes, RegionPresence alive)
    {
        PresenceView view = new(false, []);
        for (var minute = 0; minute < minutes; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            view = await alive.BeatAsync(default);
        }
        return view;
    }

    private static async Task<string> SubscribeAsync(SubscriberStore store, string name)
    {
        EmailAddress.TryParse(TestTopology.NewAddress(name), out var email, out _);
        Assert.Equal(SubscribeOutcome.Added, await store.AddAsync(new NewSubscriber(email!, null), null, default));
        return TestTopology.Ids.IdFor(email!);
    }

    [Fact]
    public async Task A_region_silent_past_the_handover_time_is_lost_and_only_its_unclaimed_welcomes_change_hands()
    {
        var (east, eastPresence) = In(East);
        var (west, westPresence) = In(West);
        Assert.False((await eastPresence.BeatAsync(default)).Quiet);
        Assert.Empty((await westPresence.BeatAsync(default)).LostPeers);
        var unclaimed = await SubscribeAsync(east, "unclaimed");
        var claimed = await SubscribeAsync(east, "claimed");
        Assert.NotNull(await east.TryClaimWelcomeAsync(claimed, onlyIfDue: false, default)); // in flight when the region goes

        // Silent for less than the handover time: nobody touches its work.
        var view = await MinutesPassAsync(9, westPresence);
        Assert.False(view.Quiet);
        Assert.Empty(view.LostPeers);
        Assert.Null(await west.TryClaimWelcomeAsync(unclaimed, onlyIfDue: false, default));

        // Past it: the region is lost, and what it owed and never claimed is the other region's; what it claimed is not.
        view = await MinutesPassAsync(2, westPresence);
        Assert.Equal([East], view.LostPeers);
        Assert.Equal(1, await west.TakeOverWelcomesAsync(East, 100, default));
        Assert.Equal(0, await west.TakeOverWelcomesAsync(East, 100, default)); // taken once
        Assert.NotNull(await west.TryClaimWelcomeAsync(unclaimed, onlyIfDue: false, default));
        _time.Advance(_welcome.Lease + TimeSpan.FromSeconds(1));
        Assert.Null(await west.TryClaimWelcomeAsync(claimed, onlyIfDue: false, default)); // the lost region may have sent it

        // Back: it may not claim before its sweep has noticed the absence, and stays quiet until the other region has
        // seen it back, and one settle time after.
        Assert.False(await eastPresence.MayClaimAsync(default));
        var rejoining = await eastPresence.BeatAsync(default);
        Assert.True(rejoining.Quiet);
        Assert.Empty(rejoining.LostPeers);
        Assert.Equal([West], rejoining.WaitingFor);
        Assert.False(await eastPresence.MayClaimAsync(default));
        Assert.Null(await east.TryClaimWelcomeAsync(unclaimed, onlyIfDue: false, default)); // not its own any more

        Assert.False((await westPresence.BeatAsync(default)).LostPeers.Any()); // the other region sees it back
        var seen = await eastPresence.BeatAsync(default);
        Assert.True(seen.Quiet);
        Assert.Empty(seen.WaitingFor ?? []);
        _time.Advance(_welcome.Settle);
        var back = await eastPresence.BeatAsync(default);
        Assert.False(back.Quiet);
        Assert.True(await eastPresence.MayClaimAsync(default));
        Assert.NotNull(await east.TryClaimWelcomeAsync(claimed, onlyIfDue: false, default)); // its own, its lease long over
    }

    [Fact]
    public async Task A_region_back_from_an_absence_waits_until_the_other_has_seen_it_back_however_long_that_takes()
    {
        var (east, eastPresence) = In(East);
        var (west, westPresence) = In(West);
        await eastPresence.BeatAsync(default);
        await westPresence.BeatAsync(default);
        var before = _time.GetUtcNow();
        var owed = await SubscribeAsync(east, "owed");
        Assert.Equal([East], (await MinutesPassAsync(11, westPresence)).LostPeers);

        // Back. A sweep in the other region that judged it lost a moment ago takes nothing now: the takeover is
        // conditional on the heartbeat it judged by, and this copy has the new one.
        var returned = _time.GetUtcNow();
        Assert.True((await eastPresence.BeatAsync(default)).Quiet);
        Assert.Equal(0, await west.TakeOverWelcomesAsync(East, 100, default));

        // The other region's heartbeats keep arriving, written before it saw this one back (its writes queued behind the
        // outage's, as a burst of replication brings them): minutes longer than any fixed wait would be, it stays quiet.
        for (var minute = 0; minute < 11; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await HeartbeatArrivesAsync(West, at: _time.GetUtcNow() - TimeSpan.FromSeconds(5), sawOf: East, seen: before);
            var view = await eastPresence.BeatAsync(default);
            Assert.True(view.Quiet, $"minute {minute}");
            Assert.Equal([West], view.WaitingFor);
            Assert.False(await eastPresence.MayClaimAsync(default));
        }

        // One that saw it back, but so late that it counted it lost as it wrote, does not count either.
        await HeartbeatArrivesAsync(West, at: _time.GetUtcNow(), sawOf: East, seen: returned);
        Assert.Equal([West], (await eastPresence.BeatAsync(default)).WaitingFor);

        // Its own beat, seeing this region back, ends the wait; the settle time after it, the region is itself again.
        await westPresence.BeatAsync(default);
        Assert.True((await eastPresence.BeatAsync(default)).Quiet);
        _time.Advance(_welcome.Settle);
        Assert.False((await eastPresence.BeatAsync(default)).Quiet);
        Assert.NotNull(await east.TryClaimWelcomeAsync(owed, onlyIfDue: false, default));
    }

    [Fact]
    public async Task A_region_back_while_the_other_is_silent_too_waits_the_handover_time_for_it_then_takes_its_work()
    {
        var (east, eastPresence) = In(East);
        var (west, westPresence) = In(West);
        await eastPresence.BeatAsync(default);
        await westPresence.BeatAsync(default);
        var westOwed = await SubscribeAsync(west, "west-owed");

        // Both silent for an hour; the east region comes back first and hears nothing from the west.
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal([West], (await eastPresence.BeatAsync(default)).WaitingFor);
        var quiet = await MinutesPassAsync(9, eastPresence);
        Assert.True(quiet.Quiet);
        Assert.Equal([West], quiet.WaitingFor);

        // Not heard from for the handover time since the return began: lost itself, not waited for.
        await MinutesPassAsync(2, eastPresence);
        _time.Advance(_welcome.Settle);
        var back = await eastPresence.BeatAsync(default);
        Assert.False(back.Quiet);
        Assert.Equal([West], back.LostPeers);
        Assert.Equal(1, await east.TakeOverWelcomesAsync(West, 100, default));
        Assert.Null(await west.TryClaimWelcomeAsync(westOwed, onlyIfDue: false, default));
    }

    /// <summary>A heartbeat of <paramref name="region"/>'s as replication brings it: written at <paramref name="at"/>, having seen <paramref name="sawOf"/>'s from <paramref name="seen"/>.</summary>
    private Task HeartbeatArrivesAsync(string region, DateTimeOffset at, string sawOf, DateTimeOffset seen) =>
        _storage.Dynamo.PutItemAsync(new Amazon.DynamoDBv2.Model.PutItemRequest
        {
            TableName = _storage.Site.Value.TableName,
            Item = new()
            {
                [MyBlogTable.PartitionKey] = new() { S = RegionPresence.PartitionKey },
                [MyBlogTable.SortKey] = new() { S = region },
                [RegionPresence.AtAttribute] = Ms(at),
                [RegionPresence.PeersAttribute] = new()
                {
                    M = new() { [sawOf] = new() { M = new() { [RegionPresence.SeenAttribute] = Ms(seen), [RegionPresence.HeardAtAttribute] = Ms(seen) } } },
                },
            },
        });

    private static Amazon.DynamoDBv2.Model.AttributeValue Ms(DateTimeOffset at) =>
        new() { N = at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Fact]
    public async Task A_busy_sweep_keeps_its_region_alive()
    {
        var (_, eastPresence) = In(East);
        var (_, westPresence) = In(West);
        await eastPresence.BeatAsync(default);
        await westPresence.BeatAsync(default);
        for (var minute = 0; minute < 15; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await eastPresence.KeepAliveAsync(default); // one long sweep, sending
            Assert.Empty((await westPresence.BeatAsync(default)).LostPeers);
        }
        Assert.False((await eastPresence.BeatAsync(default)).Quiet);

        // A sweep frozen for longer than half the handover time, thawed: its keep-alive does not paper over the
        // absence (the region may have been taken over meanwhile), and tells the sweep to stop.
        _time.Advance(_welcome.HandoverAfter / 2 + TimeSpan.FromSeconds(1));
        Assert.False(await eastPresence.KeepAliveAsync(default));
        Assert.True((await eastPresence.BeatAsync(default)).Quiet);
    }

    [Fact]
    public async Task In_one_region_nothing_beats_and_nothing_changes_hands()
    {
        var (store, presence) = In(null);
        var id = await SubscribeAsync(store, "one-region");
        _time.Advance(TimeSpan.FromHours(1));
        var view = await presence.BeatAsync(default);
        Assert.False(view.Quiet);
        Assert.Empty(view.LostPeers);
        Assert.True(await presence.MayClaimAsync(default));
        Assert.Equal(0, await store.TakeOverWelcomesAsync(East, 100, default));
        Assert.NotNull(await store.TryClaimWelcomeAsync(id, onlyIfDue: false, default));
        var regions = await _storage.Dynamo.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
        {
            TableName = _storage.Site.Value.TableName,
            KeyConditionExpression = "pk = :regions",
            ExpressionAttributeValues = new() { [":regions"] = new() { S = RegionPresence.PartitionKey } },
        });
        Assert.Equal(0, regions.Count);
    }
}
