using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The author's subscribers on the whole topology: importing each platform's export (its real columns) with the
/// consent it records, the list and its search, the export read back, and erasure that leaves no trace. Every
/// address carries a run-unique tag, and the list is always searched by it: the topology is shared.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class SubscriberAdminTests(TestTopology app)
{
    private static readonly TimeSpan ImportTimeout = TimeSpan.FromSeconds(90);
    private readonly string _tag = Guid.NewGuid().ToString("N")[..8];

    private string Address(string label) => $"sa{_tag}-{label}@example.com";

    /// <summary>Declares the list, PUTs it where the API says, and waits for the import's outcome.</summary>
    private async Task<JsonElement> ImportAsync(string csv, string fileName)
    {
        var bytes = Encoding.UTF8.GetBytes(csv);
        var ticket = await app.AdminAsync(HttpMethod.Post, "/api/admin/subscribers/imports", new { fileName, contentType = "text/csv", size = bytes.Length });
        var importId = ticket.GetProperty("importId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await TestTopology.PutUploadAsync(ticket, bytes));
        var deadline = DateTime.UtcNow + ImportTimeout;
        while (true)
        {
            var job = await app.AdminAsync(HttpMethod.Get, $"/api/admin/imports/{importId}");
            var status = job.GetProperty("status").GetString();
            if (status is "done" or "failed" || DateTime.UtcNow > deadline)
            {
                Assert.True(status == "done", $"The import ended {status}: {job}");
                return job;
            }
            await Task.Delay(300);
        }
    }

    private static int Count(JsonElement job, string outcome) => job.GetProperty("counts").GetProperty(outcome).GetInt32();

    private static string? Why(JsonElement job, int row) => job.GetProperty("results").EnumerateArray()
        .SingleOrDefault(r => r.GetProperty("file").GetString() == $"row {row}") is { ValueKind: JsonValueKind.Object } result
            ? $"{result.GetProperty("status").GetString()}: {result.GetProperty("error").GetString()}"
            : null;

    /// <summary>Every subscriber whose address starts with <paramref name="prefix"/>, read a page of <paramref name="pageSize"/> at a time.</summary>
    private async Task<List<JsonElement>> ListAsync(string prefix, string? status = null, int pageSize = 50)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var query = $"/api/admin/subscribers?q={Uri.EscapeDataString(prefix)}&limit={pageSize}"
                + (status is null ? "" : $"&status={status}") + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = await app.AdminAsync(HttpMethod.Get, query);
            var rows = page.GetProperty("subscribers").EnumerateArray().ToList();
            Assert.True(rows.Count <= pageSize);
            all.AddRange(rows);
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
        }
        while (cursor is not null);
        return all;
    }

    private async Task<Dictionary<string, string>> StatusesAsync() =>
        (await ListAsync($"sa{_tag}")).ToDictionary(r => r.GetProperty("email").GetString()!, r => r.GetProperty("status").GetString()!);

    private async Task<int> WelcomesToAsync(string address) =>
        (await app.Mail.ToAsync(address)).Count(m => m.Subject.StartsWith("Welcome to", StringComparison.Ordinal));

    [Fact]
    public async Task Each_platform_s_export_imports_with_its_consent_kept_bad_rows_explained_and_a_second_import_changes_nothing()
    {
        var ghost = $"""
            id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers
            64a1f0c2e3b4a5d6c7e8f901,{Address("ghost-in")},'=Jo Doe,,true,,,2023-03-03T10:15:30.000Z,,"VIP,Press",
            64a1f0c2e3b4a5d6c7e8f902,{Address("ghost-out")},Ann,,false,,,2022-01-01T00:00:00.000Z,,,
            64a1f0c2e3b4a5d6c7e8f903,not-an-address,Bad,,true,,,2022-01-01T00:00:00.000Z,,,
            64a1f0c2e3b4a5d6c7e8f904,{Address("GHOST-IN").ToUpperInvariant()},Twice,,true,,,2022-01-01T00:00:00.000Z,,,
            """;
        var substack = $"""
            email,active_subscription,expiry,email_disabled,prefer_digests,created_at
            {Address("substack-in")},,,false,false,2018-12-19T08:03:04.977Z
            {Address("substack-off")},true,2027-01-01,true,false,2018-12-19T08:03:04.977Z
            sa{_tag}-x@deletion-request.substack.com,,,false,false,2018-12-19T08:03:04.977Z
            """;
        const string mailchimpHeader = "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION";
        var mailchimpIn = $"{mailchimpHeader},LAST_CHANGED,LEID,EUID,NOTES,TAGS\n{Address("mc-in")},Ann,Lee,2,2018-02-12 10:54:27,,2018-02-12 10:55:02,,,,,,,,,2023-04-21 11:16:57,,,,\"\"\"Editors\"\"\"\n";
        var mailchimpOut = $"{mailchimpHeader},UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER,LEID,EUID,NOTES,TAGS\n{Address("mc-out")},Bo,,2,2018-02-12 10:54:27,,2018-02-12 10:55:02,,,,,,,,,2020-01-01 00:00:00,,,,,,,,\n";
        var mailchimpCleaned = $"{mailchimpHeader},CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID,LEID,EUID,NOTES,TAGS\n{Address("mc-cleaned")},Cy,,1,2018-02-12 10:54:27,,,,,,,,,,,2020-01-01 00:00:00,,,,,,\n";
        var buttondown = $"""
            id,secondary_id,email,notes,subscriber_type,referrer_url,utm_source,utm_medium,utm_campaign,creation_date,ip_address,subscription_date,unsubscription_date,tags,metadata
            a1,1,{Address("bd-regular")},Met in NYC.,regular,,,,,2024-03-13 00:03:09.183465+00:00,,2024-03-13 00:03:09.183465+00:00,,corporate;nyc,"{"{'role': 'writer'}"}"
            a2,2,{Address("bd-unactivated")},,unactivated,,,,,2024-03-13 00:03:09.183465+00:00,,,,,
            a3,3,{Address("bd-unsubscribed")},,unsubscribed,,,,,2024-03-13 00:03:09.183465+00:00,,,2024-05-01 00:00:00+00:00,,
            a4,4,{Address("bd-undeliverable")},,undeliverable,,,,,2024-03-13 00:03:09.183465+00:00,,,,,
            a5,5,{Address("bd-complained")},,complained,,,,,2024-03-13 00:03:09.183465+00:00,,,,,
            a6,6,{Address("bd-removed")},,removed,,,,,2024-03-13 00:03:09.183465+00:00,,,,,
            """;
        var plain = $"email,name\n{Address("plain")},Plain Reader\n";

        var ghostJob = await ImportAsync(ghost, "members.2026-01-31.csv");
        Assert.Equal("ghost-members", ghostJob.GetProperty("format").GetString());
        Assert.Equal((2, 1, 1), (Count(ghostJob, "imported"), Count(ghostJob, "skipped"), Count(ghostJob, "failed")));
        Assert.StartsWith("failed: not an email address", Why(ghostJob, 3));
        Assert.Equal("skipped: the same address as row 1", Why(ghostJob, 4));
        var substackJob = await ImportAsync(substack, "email_list.myblog.csv");
        Assert.Equal(("substack", 2), (substackJob.GetProperty("format").GetString()!, Count(substackJob, "imported")));
        Assert.Contains("deletion request", Why(substackJob, 3));
        foreach (var (csv, file) in new[] { (mailchimpIn, "subscribed_members_export_1a2b.csv"), (mailchimpOut, "unsubscribed_members_export_1a2b.csv"), (mailchimpCleaned, "cleaned_members_export_1a2b.csv") })
        {
            var job = await ImportAsync(csv, file);
            Assert.Equal(("mailchimp", 1), (job.GetProperty("format").GetString()!, Count(job, "imported")));
        }
        var buttondownJob = await ImportAsync(buttondown, "buttondown-subscribers.csv");
        Assert.Equal(("buttondown", 5, 1), (buttondownJob.GetProperty("format").GetString()!, Count(buttondownJob, "imported"), Count(buttondownJob, "skipped")));
        Assert.Contains("removed in Buttondown", Why(buttondownJob, 6));
        Assert.Equal(1, Count(await ImportAsync(plain, "readers.csv"), "imported"));

        var statuses = await StatusesAsync();
        var expected = new Dictionary<string, string>
        {
            [Address("ghost-in")] = "confirmed", [Address("ghost-out")] = "unsubscribed",
            [Address("substack-in")] = "confirmed", [Address("substack-off")] = "unsubscribed",
            [Address("mc-in")] = "confirmed", [Address("mc-out")] = "unsubscribed", [Address("mc-cleaned")] = "bounced",
            [Address("bd-regular")] = "confirmed", [Address("bd-unactivated")] = "pending", [Address("bd-unsubscribed")] = "unsubscribed",
            [Address("bd-undeliverable")] = "bounced", [Address("bd-complained")] = "complained",
            [Address("plain")] = "pending",
        };
        Assert.Equal(expected.OrderBy(e => e.Key), statuses.OrderBy(e => e.Key));
        var jo = (await ListAsync(Address("ghost-in"))).Single();
        Assert.Equal("=Jo Doe", jo.GetProperty("name").GetString());
        Assert.Equal(new DateTimeOffset(2023, 3, 3, 10, 15, 30, TimeSpan.Zero), jo.GetProperty("subscribedAt").GetDateTimeOffset());

        // Who had not confirmed gets a welcome that asks; who had confirmed, left or bounced gets nothing.
        foreach (var pending in new[] { Address("bd-unactivated"), Address("plain") })
        {
            var welcome = await app.Mail.WaitForAsync(pending, TimeSpan.FromSeconds(60));
            Assert.StartsWith("Welcome to", welcome.Subject);
        }
        await Task.Delay(TimeSpan.FromSeconds(5)); // a few sweeps more: nothing else may be sent
        foreach (var address in expected.Keys)
        {
            Assert.True(await WelcomesToAsync(address) == (expected[address] == "pending" ? 1 : 0), $"{address}: {await WelcomesToAsync(address)} welcome(s)");
        }

        // The same files again: every address is already here, and nothing changes.
        var again = await ImportAsync(ghost, "members.2026-01-31.csv");
        Assert.Equal((0, 3, 1), (Count(again, "imported"), Count(again, "skipped"), Count(again, "failed")));
        Assert.Equal("skipped: already a subscriber (left as it is)", Why(again, 1));
        Assert.Equal(0, Count(await ImportAsync(buttondown, "buttondown-subscribers.csv"), "imported"));
        Assert.Equal(expected.OrderBy(e => e.Key), (await StatusesAsync()).OrderBy(e => e.Key));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, await WelcomesToAsync(Address("bd-unactivated")));
    }

    [Fact]
    public async Task The_list_pages_in_address_order_by_status_and_search_and_its_export_reads_back_as_nothing_new()
    {
        var pending = Enumerable.Range(0, 23).Select(i => Address($"p{i:D2}")).ToList();
        var confirmed = Enumerable.Range(0, 5).Select(i => Address($"c{i}")).ToList();
        await ImportAsync("email\n" + string.Join('\n', pending), "list.csv");
        await ImportAsync("email,subscribed_to_emails,created_at\n" + string.Join('\n', confirmed.Select(a => $"{a},true,2021-06-01T00:00:00Z")), "members.csv");
        var everyone = pending.Concat(confirmed).Order(StringComparer.Ordinal).ToList();

        var paged = await ListAsync($"sa{_tag}", pageSize: 7);
        Assert.Equal(everyone, paged.Select(r => r.GetProperty("email").GetString()));
        Assert.Equal(confirmed, (await ListAsync($"sa{_tag}", "confirmed", pageSize: 2)).Select(r => r.GetProperty("email").GetString()));
        Assert.Equal(Enumerable.Range(10, 10).Select(i => Address($"p{i}")),
            (await ListAsync($"sa{_tag}-p1", pageSize: 4)).Select(r => r.GetProperty("email").GetString()));
        Assert.Empty(await ListAsync($"sa{_tag}", "complained"));

        // The counts are kept and recounted off the request path (DirectoryFilingTests follows a recount on a clock of its own).
        var counts = await app.AdminAsync(HttpMethod.Get, "/api/admin/subscribers/counts");
        Assert.True(counts.GetProperty("countedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(counts.GetProperty("total").GetInt32(),
            new[] { "pending", "confirmed", "unsubscribed", "bounced", "complained" }.Sum(s => counts.GetProperty(s).GetInt32()));

        // The export: every subscriber with its status, and read back it adds nothing and changes nothing.
        using var request = TestTopology.AdminRequest(HttpMethod.Get, "/api/admin/subscribers/export");
        using var response = await app.Site.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("attachment", response.Content.Headers.ContentDisposition?.ToString());
        var export = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("email,name,status,subscribed_at,confirmed_at,unsubscribed_at,mail_blocked\r\n", export);
        var ours = export.Split("\r\n").Where(l => l.StartsWith($"sa{_tag}", StringComparison.Ordinal)).ToList();
        Assert.Equal(28, ours.Count);
        Assert.Contains($"{Address("c0")},,confirmed,2021-06-01T00:00:00Z,2021-06-01T00:00:00Z,,", ours);
        var readBack = await ImportAsync("email,name,status,subscribed_at,confirmed_at,unsubscribed_at,mail_blocked\r\n" + string.Join("\r\n", ours), "subscribers-export.csv");
        Assert.Equal(("myblog", 0, 28), (readBack.GetProperty("format").GetString()!, Count(readBack, "imported"), Count(readBack, "skipped")));
    }

    [Fact]
    public async Task Asking_the_list_for_what_it_cannot_give_is_a_clear_error()
    {
        foreach (var query in new[] { "status=everyone", "limit=0", "limit=501", "cursor=%25%25not-a-cursor" })
        {
            using var request = TestTopology.AdminRequest(HttpMethod.Get, $"/api/admin/subscribers?{query}");
            using var response = await app.Site.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        using var unknown = TestTopology.AdminRequest(HttpMethod.Delete, $"/api/admin/subscribers/{new string('a', 32)}");
        Assert.Equal(HttpStatusCode.NotFound, (await app.Site.SendAsync(unknown)).StatusCode);
        using var anonymous = TestTopology.AdminRequest(HttpMethod.Get, "/api/admin/subscribers", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Site.SendAsync(anonymous)).StatusCode);
        var csv = Encoding.UTF8.GetBytes("no addresses here\n1,2\n");
        var ticket = await app.AdminAsync(HttpMethod.Post, "/api/admin/subscribers/imports", new { fileName = "x.csv", contentType = "text/csv", size = csv.Length });
        Assert.Equal(HttpStatusCode.OK, await TestTopology.PutUploadAsync(ticket, csv));
        var deadline = DateTime.UtcNow + ImportTimeout;
        JsonElement job;
        do
        {
            await Task.Delay(300);
            job = await app.AdminAsync(HttpMethod.Get, $"/api/admin/imports/{ticket.GetProperty("importId").GetString()}");
        }
        while (job.GetProperty("status").GetString() is "pending" or "running" && DateTime.UtcNow < deadline);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("'email' column", job.GetProperty("error").GetString());
        using var zip = TestTopology.AdminRequest(HttpMethod.Post, "/api/admin/subscribers/imports", new { fileName = "x.zip", contentType = "application/zip", size = 10 });
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Site.SendAsync(zip)).StatusCode);
    }

    [Fact]
    public async Task An_erased_subscriber_leaves_no_trace_of_the_address_in_the_table()
    {
        // One who came by the form (a mailbox turn, a welcome, a confirm token) and got a newsletter (a marker in its job).
        var address = Address("erase-me");
        await app.SubscribeAsync(new { email = address });
        var text = await app.Mail.PlainTextAsync((await app.Mail.WaitForAsync(address)).Id);
        using (var confirm = await app.Site.PostAsync(TestTopology.ConfirmLinkIn(text).PathAndQuery, null))
        {
            Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        }
        var title = $"Erasure {_tag}";
        var post = await app.AdminAsync(HttpMethod.Post, "/api/admin/posts", new { title, markdown = "For the record." });
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{post.GetProperty("slug").GetString()}/publish", ifMatch: "\"v1\"");
        await app.Mail.WaitForSubjectAsync(title, [address], TimeSpan.FromSeconds(60));
        var id = TestTopology.SubscriberId(address);
        var email = EmailAddress.TryParse(address, out var parsed, out _) ? parsed! : throw new InvalidOperationException();
        string[] traces = [address, id, TestTopology.Ids.MailboxFor(email), SubscriberIds.LegacyIdFor(email)];
        Assert.NotEmpty(await ItemsHoldingAsync(traces));

        var row = (await ListAsync(address)).Single();
        using var erase = TestTopology.AdminRequest(HttpMethod.Delete, $"/api/admin/subscribers/{row.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, (await app.Site.SendAsync(erase)).StatusCode);

        Assert.Empty(await ListAsync(address));
        var left = await ItemsHoldingAsync(traces);
        Assert.True(left.Count == 0, "Still holding the address: " + string.Join("; ", left));
        using var again = TestTopology.AdminRequest(HttpMethod.Delete, $"/api/admin/subscribers/{id}");
        Assert.Equal(HttpStatusCode.NotFound, (await app.Site.SendAsync(again)).StatusCode);
    }

    /// <summary>Every item of the table (its keys and every attribute) in which any of <paramref name="traces"/> appears.</summary>
    private async Task<List<string>> ItemsHoldingAsync(IReadOnlyList<string> traces)
    {
        using var dynamo = app.DynamoDb();
        var found = new List<string>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest { TableName = MyBlogTable.DefaultName, ExclusiveStartKey = start, ConsistentRead = true });
            foreach (var item in page.Items)
            {
                var text = string.Join(" ", item.Select(a => $"{a.Key}={Flatten(a.Value)}"));
                if (traces.Any(t => text.Contains(t, StringComparison.OrdinalIgnoreCase)))
                {
                    found.Add($"{item[MyBlogTable.PartitionKey].S}/{item[MyBlogTable.SortKey].S}");
                }
            }
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return found;
    }

    private static string Flatten(AttributeValue value) =>
        value.S ?? value.N ?? (value.L is { Count: > 0 } list ? string.Join(",", list.Select(Flatten))
            : value.M is { Count: > 0 } map ? string.Join(",", map.Select(m => m.Key + ":" + Flatten(m.Value)))
            : value.SS is { Count: > 0 } strings ? string.Join(",", strings)
            : value.B is { } bytes ? Encoding.UTF8.GetString(bytes.ToArray()) : "");
}
