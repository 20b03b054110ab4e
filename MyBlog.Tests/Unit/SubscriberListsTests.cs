using System.Text;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Imports;

namespace MyBlog.Tests.Unit;

/// <summary>Each platform's subscriber export, as its files really come: read by their columns, with the consent they record.</summary>
public sealed class SubscriberListsTests
{
    private static async Task<(string? Format, List<SubscriberListRow> Rows)> ReadAsync(string csv, string fileName = "list.csv", bool bom = false)
    {
        var bytes = Encoding.UTF8.GetBytes(csv);
        using var stream = new MemoryStream(bom ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes);
        await using var reader = await SubscriberLists.OpenAsync(stream, default);
        var format = SubscriberLists.FormatOf(reader.Headers);
        var rows = new List<SubscriberListRow>();
        if (format is not null)
        {
            await foreach (var row in SubscriberLists.ReadAsync(reader, format, fileName, default))
            {
                rows.Add(row);
            }
        }
        return (format, rows);
    }

    [Fact]
    public async Task A_spreadsheet_s_byte_order_mark_quoted_commas_and_line_breaks_are_read_as_the_file_means_them()
    {
        var (format, rows) = await ReadAsync("email,name\r\nann@example.com,\"Lee, Ann\"\r\nbo@example.com,\"Bo\r\nSecond line\"\r\n\r\n", bom: true);
        Assert.Equal("csv", format);
        Assert.Equal([("ann@example.com", "Lee, Ann"), ("bo@example.com", "Bo\r\nSecond line")], rows.Select(r => (r.Subscriber!.Email.Value, r.Subscriber.Name!)));
        Assert.All(rows, r => Assert.Equal(SubscriberState.Pending, r.Subscriber!.State));
    }

    [Fact]
    public async Task A_file_without_a_column_of_addresses_is_no_list()
    {
        Assert.Null((await ReadAsync("name,phone\nAnn,123\n")).Format);
        Assert.Null((await ReadAsync("")).Format);
    }

    [Fact]
    public async Task Rows_that_cannot_be_used_say_why_and_the_rest_come_in()
    {
        var (_, rows) = await ReadAsync("email,name\nann@example.com,Ann\n,No address\nnot-an-address,X\nANN@Example.com,Again\nbo@example.com,\n");
        Assert.Equal(
            [(1L, "ann@example.com", null, null), (2, null, null, "no address in its email column"), (3, null, null, "not an email address"),
             (4, null, "the same address as row 1", null), (5, "bo@example.com", null, null)],
            rows.Select(r => (r.Row, r.Subscriber?.Email.Value, r.Skipped, r.Failed?.Split(':')[0])));
    }

    [Fact]
    public async Task Mailchimp_s_status_comes_from_its_file_and_its_columns()
    {
        const string header = "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP";
        var row = "\nann@example.com,Ann,Lee,2,2018-02-12 10:54:27,,2018-02-12 10:55:02,";
        Assert.Equal(SubscriberState.Confirmed, (await ReadAsync(header + ",LAST_CHANGED" + row + ",", "subscribed_members_export_1a.csv")).Rows.Single().Subscriber!.State);
        Assert.Equal(SubscriberState.Pending, (await ReadAsync(header + ",LAST_CHANGED" + row + ",", "nonsubscribed_members_export_1a.csv")).Rows.Single().Subscriber!.State);
        Assert.Equal(SubscriberState.Unsubscribed, (await ReadAsync(header + ",UNSUB_TIME" + row + ",2020-01-01 00:00:00", "export.csv")).Rows.Single().Subscriber!.State);
        var cleaned = (await ReadAsync(header + ",CLEAN_TIME" + row + ",2020-01-01 00:00:00", "cleaned_members_export_1a.csv")).Rows.Single().Subscriber!;
        Assert.Equal((SubscriberState.Bounced, "Ann Lee"), (cleaned.State, cleaned.Name));
        Assert.Equal(new DateTimeOffset(2018, 2, 12, 10, 55, 2, TimeSpan.Zero), cleaned.ConfirmedAt);
    }

    [Fact]
    public async Task Buttondown_s_subscriber_types_map_to_consent_and_removed_readers_stay_out()
    {
        var types = new[] { "regular", "premium", "churned", "unactivated", "unsubscribed", "undeliverable", "complained", "removed", "blocked" };
        var csv = "email,subscriber_type,creation_date\n" + string.Join("\n", types.Select(t => $"{t}@example.com,{t},2024-03-13 00:03:09.183465+00:00"));
        var (format, rows) = await ReadAsync(csv);
        Assert.Equal("buttondown", format);
        Assert.Equal(
            [SubscriberState.Confirmed, SubscriberState.Confirmed, SubscriberState.Confirmed, SubscriberState.Pending, SubscriberState.Unsubscribed,
             SubscriberState.Bounced, SubscriberState.Complained, null, null],
            rows.Select(r => r.Subscriber?.State));
        Assert.StartsWith("removed in Buttondown", rows[7].Skipped);
        Assert.StartsWith(SubscriberStates.ComplaintReason, rows[6].Subscriber!.MailBlocked);
        Assert.Equal(new DateTimeOffset(2024, 3, 13, 0, 3, 9, 183, TimeSpan.Zero).AddTicks(4650), rows[0].Subscriber!.SubscribedAt);
    }

    [Fact]
    public async Task This_platform_s_export_reads_back_as_it_was_written_formula_guard_included()
    {
        var row = new SubscriberRow("0", "ann@example.com", "=HYPERLINK(\"x\")", SubscriberState.Complained,
            new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), null, null, "complained (abuse)");
        var csv = new StringBuilder(string.Join(',', SubscriberCsv.Columns) + "\r\n");
        SubscriberCsv.AppendRow(csv, row);
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\")\"", csv.ToString());
        var (format, rows) = await ReadAsync(csv.ToString());
        var back = rows.Single().Subscriber!;
        Assert.Equal(("myblog", "=HYPERLINK(\"x\")", SubscriberState.Complained, "complained (abuse)", row.SubscribedAt),
            (format!, back.Name!, back.State, back.MailBlocked!, back.SubscribedAt));
        Assert.Equal("an unknown status 'everyone'", (await ReadAsync("email,status,subscribed_at\nann@example.com,everyone,\n")).Rows.Single().Skipped);
    }
}
