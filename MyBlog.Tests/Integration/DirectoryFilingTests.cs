using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// Subscribers and newsletter jobs stored before the directory index existed are filed in it by the sweep, once:
/// on a table of the test's own in DynamoDB Local, with items written as the earlier version wrote them.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class DirectoryFilingTests(TestTopology app) : IAsyncLifetime
{
    private IsolatedStorage _storage = null!;

    public async Task InitializeAsync() => _storage = await IsolatedStorage.CreateAsync(app);

    public async Task DisposeAsync() => await _storage.DisposeAsync();

    private Task PutAsync(string pk, string sk, params (string Name, string Value)[] attributes) =>
        _storage.Dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = _storage.Name,
            Item = new Dictionary<string, AttributeValue>(attributes.ToDictionary(a => a.Name, a => new AttributeValue(a.Value)))
            {
                [MyBlogTable.PartitionKey] = new(pk),
                [MyBlogTable.SortKey] = new(sk),
                ["idv"] = new AttributeValue { N = "2" },
            },
        });

    [Fact]
    public async Task Earlier_subscribers_and_jobs_are_filed_once_under_their_state_and_a_change_meanwhile_is_not_undone()
    {
        var ids = Enumerable.Range(0, 4).Select(i => $"{i:D32}").ToList();
        await PutAsync(SubscriberKeys.PartitionKey(ids[0]), SubscriberKeys.ProfileSortKey, ("email", "ann@example.com"), ("status", "confirmed"));
        await PutAsync(SubscriberKeys.PartitionKey(ids[1]), SubscriberKeys.ProfileSortKey, ("email", "bo@example.com"), ("status", "pending"));
        await PutAsync(SubscriberKeys.PartitionKey(ids[2]), SubscriberKeys.ProfileSortKey, ("email", "cy@example.com"), ("status", "confirmed"),
            ("mailBlocked", "complained (abuse)"));
        await PutAsync(SubscriberKeys.PartitionKey(ids[3]), SubscriberKeys.ProfileSortKey, ("email", "di@example.com"), ("status", "unsubscribed"));
        await PutAsync("NEWSLETTER#post-1", "JOB", ("slug", "post-1"));
        await PutAsync("NEWSLETTER#post-1", "TO#" + ids[0]);
        // After the new version is deployed and before the sweep files it, di subscribes again: the status change
        // files the item under its new state, but only the sweep gives it its address in the index.
        await _storage.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _storage.Name,
            Key = ItemKey(ids[3]),
            UpdateExpression = "SET #status = :confirmed, gsi2pk = :filed",
            ExpressionAttributeNames = new() { ["#status"] = "status" },
            ExpressionAttributeValues = new() { [":confirmed"] = new("confirmed"), [":filed"] = new(SubscriberKeys.DirectoryPartition(SubscriberState.Confirmed)) },
        });

        var filing = new DirectoryFiling(_storage.Dynamo, _storage.Site, TimeProvider.System);
        Assert.Equal((5, true), await filing.RunAsync(DateTimeOffset.UtcNow.AddMinutes(1), default));
        Assert.Equal((0, true), await filing.RunAsync(DateTimeOffset.UtcNow.AddMinutes(1), default));

        var directory = new SubscriberDirectory(_storage.Dynamo, _storage.Site);
        var page = await directory.PageAsync(null, null, null, 50, default);
        Assert.Equal(
            [("ann@example.com", SubscriberState.Confirmed), ("bo@example.com", SubscriberState.Pending), ("cy@example.com", SubscriberState.Complained), ("di@example.com", SubscriberState.Confirmed)],
            page.Subscribers.Select(r => (r.Email, r.State)));
        Assert.Equal(new SubscriberCounts(1, 2, 0, 0, 1), await directory.CountAsync(default));
        Assert.Equal(["post-1"], await directory.NewsletterJobIdsAsync(default));
    }

    [Fact]
    public async Task Pages_searches_and_export_parts_meet_exactly_across_states()
    {
        var store = new SubscriberStore(_storage.Dynamo, TestTopology.Ids, _storage.Site, Options.Create(new WelcomeOptions()), TimeProvider.System);
        var states = Enum.GetValues<SubscriberState>();
        var addresses = Enumerable.Range(0, 37).Select(i => $"r{(i * 7919) % 1000:D3}x{i}@example.com").ToList();
        for (var i = 0; i < addresses.Count; i++)
        {
            Assert.True(EmailAddress.TryParse(addresses[i], out var email, out _));
            Assert.True(await store.ImportAsync(new ImportedSubscriber(email!, null, states[i % states.Length], null, MailBlocked: i % states.Length == 4 ? "complained" : null),
                "import-1", DateTimeOffset.UtcNow, default));
        }
        var directory = new SubscriberDirectory(_storage.Dynamo, _storage.Site);
        var sorted = addresses.Order(StringComparer.Ordinal).ToList();
        foreach (var size in new[] { 1, 5, 36, 37, 50 })
        {
            var seen = new List<string>();
            string? cursor = null;
            do
            {
                var page = await directory.PageAsync(null, null, cursor, size, default);
                Assert.True(page.Subscribers.Count <= size);
                seen.AddRange(page.Subscribers.Select(r => r.Email));
                cursor = page.Next;
            }
            while (cursor is not null);
            Assert.Equal(sorted, seen);

            var exported = new List<string>();
            cursor = null;
            do
            {
                var part = await directory.ExportPartAsync(cursor, size, default);
                exported.AddRange(part.Subscribers.Select(r => r.Email));
                cursor = part.Next;
            }
            while (cursor is not null);
            Assert.Equal(addresses.Order(StringComparer.Ordinal), exported.Order(StringComparer.Ordinal));
            Assert.Equal(addresses.Count, exported.Distinct().Count());
        }
        var search = await directory.PageAsync(null, "R1", null, 50, default);
        Assert.Equal(sorted.Where(a => a.StartsWith("r1", StringComparison.Ordinal)), search.Subscribers.Select(r => r.Email));
        Assert.Equal(sorted.Where((a, i) => states[addresses.IndexOf(a) % states.Length] == SubscriberState.Bounced),
            (await directory.PageAsync(SubscriberState.Bounced, null, null, 50, default)).Subscribers.Select(r => r.Email));
        await Assert.ThrowsAsync<FormatException>(() => directory.PageAsync(null, null, "%%%", 5, default));
        await Assert.ThrowsAsync<FormatException>(() => directory.ExportPartAsync("9.abc", 5, default));
    }

    [Fact]
    public async Task The_counts_are_counted_once_then_read_and_recounted_by_the_sweep_only_while_wanted()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = new SubscriberStore(_storage.Dynamo, TestTopology.Ids, _storage.Site, Options.Create(new WelcomeOptions()), time);
        var directory = new SubscriberDirectory(_storage.Dynamo, _storage.Site);
        var tally = new SubscriberTally(_storage.Dynamo, directory, _storage.Site, time);
        async Task AddAsync(string address, SubscriberState state)
        {
            Assert.True(EmailAddress.TryParse(address, out var email, out _));
            Assert.True(await store.ImportAsync(new ImportedSubscriber(email!, null, state, null), "import-1", time.GetUtcNow(), default));
        }
        Assert.False(await tally.RefreshAsync(default)); // never asked for: nothing counted
        await AddAsync("a@example.com", SubscriberState.Confirmed);
        Assert.Equal((new SubscriberCounts(0, 1, 0, 0, 0), time.GetUtcNow()), await tally.ReadAsync(default));

        await AddAsync("b@example.com", SubscriberState.Pending);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(await tally.RefreshAsync(default)); // counted less than a minute ago
        Assert.Equal(new SubscriberCounts(0, 1, 0, 0, 0), (await tally.ReadAsync(default)).Counts);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(await tally.RefreshAsync(default));
        Assert.Equal((new SubscriberCounts(1, 1, 0, 0, 0), time.GetUtcNow()), await tally.ReadAsync(default));

        // Nobody has looked for a quarter of an hour: the sweep reads nothing more.
        await AddAsync("c@example.com", SubscriberState.Unsubscribed);
        time.Advance(SubscriberTally.WantedFor + TimeSpan.FromSeconds(1));
        Assert.False(await tally.RefreshAsync(default));
        Assert.Equal(new SubscriberCounts(1, 1, 0, 0, 0), (await tally.ReadAsync(default)).Counts);
        time.Advance(SubscriberTally.RecountAfter);
        Assert.True(await tally.RefreshAsync(default));
        Assert.Equal(new SubscriberCounts(1, 1, 1, 0, 0), (await tally.ReadAsync(default)).Counts);
    }

    private static Dictionary<string, AttributeValue> ItemKey(string id) => Attributes.ItemKey(SubscriberKeys.PartitionKey(id), SubscriberKeys.ProfileSortKey);
}
