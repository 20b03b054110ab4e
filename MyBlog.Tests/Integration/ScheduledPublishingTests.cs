using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using MyBlog.Core.Posts;

namespace MyBlog.Tests.Integration;

/// <summary>
/// Scheduled publishing on the whole topology: the API writes the schedule and makes the post's one-time schedule
/// (LocalAws plays EventBridge Scheduler), which at its time publishes the post exactly as the author's publish
/// does; the stream renders it.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class ScheduledPublishingTests(TestTopology app)
{
    private async Task<string> DraftAsync(string label)
    {
        var created = await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title = $"{label} {Guid.NewGuid():N}", markdown = "Written *ahead*." });
        return created.GetProperty("slug").GetString()!;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PublishAsync(string slug, object? body, string ifMatch)
    {
        using var request = TestTopology.AdminRequest(HttpMethod.Post, $"/api/admin/posts/{slug}/publish", body, ifMatch);
        using var response = await app.Site.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement);
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(500);
        return true;
    }

    private async Task<HttpStatusCode> PageStatusAsync(string slug) => (await app.Site.GetAsync($"/posts/{slug}/")).StatusCode;

    /// <summary>How long after <paramref name="since"/> the page became 200 (or null within <paramref name="limit"/>).</summary>
    private async Task<TimeSpan?> PublishedWithinAsync(string slug, Stopwatch since, TimeSpan limit)
    {
        while (since.Elapsed < limit)
        {
            if (await PageStatusAsync(slug) == HttpStatusCode.OK)
            {
                return since.Elapsed;
            }
            await Task.Delay(250);
        }
        return null;
    }

    [Fact]
    public async Task A_post_scheduled_20_seconds_ahead_is_404_before_and_published_within_15_seconds_after()
    {
        var slug = await DraftAsync("Scheduled");
        var at = DateTimeOffset.UtcNow.AddSeconds(20);
        // The author's own zone: what counts is the instant.
        var (status, body) = await PublishAsync(slug, new { at = at.ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz"), sendEmail = false }, "\"v1\"");
        var clock = Stopwatch.StartNew();

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("draft", body.GetProperty("status").GetString());
        // Kept in whole seconds, rounded up (EventBridge Scheduler's at() has no fractions).
        Assert.InRange(body.GetProperty("scheduledAt").GetDateTimeOffset() - at, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        var drafts = await app.AdminAsync(HttpMethod.Get, "/api/admin/posts?status=draft&limit=100");
        var listed = drafts.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("slug").GetString() == slug);
        Assert.Equal(JsonValueKind.String, listed.GetProperty("scheduledAt").ValueKind);

        // Before its time: not on the site.
        while (clock.Elapsed < TimeSpan.FromSeconds(16))
        {
            Assert.Equal(HttpStatusCode.NotFound, await PageStatusAsync(slug));
            await Task.Delay(1000);
        }
        var after = await PublishedWithinAsync(slug, clock, TimeSpan.FromSeconds(20 + 15));
        Assert.True(after is not null, "The scheduled post was not published within 15 s of its time");
        Assert.InRange(after!.Value, TimeSpan.FromSeconds(19), TimeSpan.FromSeconds(35));

        var post = await app.AdminAsync(HttpMethod.Get, $"/api/admin/posts/{slug}");
        Assert.Equal("published", post.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, post.GetProperty("scheduledAt").ValueKind);
        Assert.False(post.GetProperty("sendEmail").GetBoolean()); // the choice made when scheduling
        Assert.True(post.GetProperty("publishedAt").GetDateTimeOffset() >= at.AddSeconds(-1));
    }

    [Fact]
    public async Task Scheduling_again_moves_the_schedule_and_cancelling_keeps_the_draft()
    {
        // Moved: first far ahead, then 3 s ahead; only the latest counts.
        var moved = await DraftAsync("Moved");
        var first = await PublishAsync(moved, new { at = DateTimeOffset.UtcNow.AddHours(5).ToString("O"), sendEmail = false }, "\"v1\"");
        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        var clock = Stopwatch.StartNew();
        var second = await PublishAsync(moved, new { at = DateTimeOffset.UtcNow.AddSeconds(3).ToString("O") }, "\"v2\"");
        Assert.Equal(HttpStatusCode.Accepted, second.Status);
        Assert.NotNull(await PublishedWithinAsync(moved, clock, TimeSpan.FromSeconds(3 + 15)));

        // Cancelled: the time passes and nothing happens.
        var cancelled = await DraftAsync("Cancelled");
        var scheduled = await PublishAsync(cancelled, new { at = DateTimeOffset.UtcNow.AddSeconds(3).ToString("O"), sendEmail = false }, "\"v1\"");
        Assert.Equal(HttpStatusCode.Accepted, scheduled.Status);
        var afterCancel = await app.AdminAsync(HttpMethod.Delete, $"/api/admin/posts/{cancelled}/schedule", ifMatch: "\"v2\"");
        Assert.Equal(JsonValueKind.Null, afterCancel.GetProperty("scheduledAt").ValueKind);
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Equal(HttpStatusCode.NotFound, await PageStatusAsync(cancelled));
        Assert.Equal("draft", (await app.AdminAsync(HttpMethod.Get, $"/api/admin/posts/{cancelled}")).GetProperty("status").GetString());

        // Even if its one-time schedule had already fired (as when deleting it failed), a run finds nothing due.
        using var run = await app.Workers.PostAsync("/events/publish-due", new StringContent($$"""{"slug":"{{cancelled}}"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.DoesNotContain(cancelled, await run.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_schedule_item_its_post_no_longer_names_publishes_nothing_and_goes()
    {
        var slug = await DraftAsync("Orphan");
        var at = PublishSchedule.Stamp(DateTimeOffset.UtcNow.AddMinutes(-1));
        using var dynamo = app.DynamoDb();
        var key = new Dictionary<string, AttributeValue>
        {
            ["pk"] = new($"POST#{slug}"),
            ["sk"] = new(PublishSchedule.SortKeyValue),
        };
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = "myblog",
            Item = new Dictionary<string, AttributeValue>(key)
            {
                ["slug"] = new(slug), ["at"] = new(at),
                ["gsi1pk"] = new(PublishSchedule.ListKey), ["gsi1sk"] = new($"{at}#{slug}"),
            },
        });

        // The recurring run finds it through the index (which may take a moment to show it).
        var deadline = DateTime.UtcNow.AddSeconds(15);
        bool gone;
        do
        {
            using var run = await app.Workers.PostAsync("/events/publish-due", new StringContent("""{"schedule":"publish-due"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, run.StatusCode);
            var left = await dynamo.GetItemAsync(new GetItemRequest { TableName = "myblog", Key = key, ConsistentRead = true });
            gone = !left.IsItemSet || left.Item.Count == 0;
        }
        while (!gone && DateTime.UtcNow < deadline && await Pause());
        Assert.True(gone, "the orphaned schedule item is still there");
        Assert.Equal("draft", (await app.AdminAsync(HttpMethod.Get, $"/api/admin/posts/{slug}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_time_already_past_publishes_at_once()
    {
        var slug = await DraftAsync("Past");
        var (status, body) = await PublishAsync(slug, new { at = "2020-01-01T00:00:00Z", sendEmail = false }, "\"v1\"");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("published", body.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"at": "2026-12-01T09:00:00"}""", 400, "offset")]
    [InlineData("""{"at": "tomorrow"}""", 400, "offset")]
    [InlineData("""{"at": "2999-01-01T00:00:00Z"}""", 400, "366 days")]
    [InlineData("""{"at": 5}""", 400, null)]
    [InlineData("""{"at": """, 400, null)]
    public async Task Bad_schedules_are_refused_with_a_reason(string json, int expected, string? detail)
    {
        var slug = await DraftAsync("Bad schedule");
        using var request = TestTopology.AdminRequest(HttpMethod.Post, $"/api/admin/posts/{slug}/publish", ifMatch: "\"v1\"");
        request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await app.Site.SendAsync(request);
        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (detail is not null)
        {
            Assert.Contains(detail, await response.Content.ReadAsStringAsync());
        }
        Assert.Equal("draft", (await app.AdminAsync(HttpMethod.Get, $"/api/admin/posts/{slug}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_published_post_cannot_be_scheduled_and_a_missing_schedule_cannot_be_cancelled()
    {
        var slug = await DraftAsync("Live");
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");
        var (status, body) = await PublishAsync(slug, new { at = DateTimeOffset.UtcNow.AddHours(1).ToString("O") }, "\"v2\"");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("Already published", body.GetProperty("title").GetString());

        using var cancel = TestTopology.AdminRequest(HttpMethod.Delete, $"/api/admin/posts/{slug}/schedule", ifMatch: "\"v2\"");
        using var response = await app.Site.SendAsync(cancel);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }
}
