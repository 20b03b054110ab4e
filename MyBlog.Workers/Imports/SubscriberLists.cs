using System.Globalization;
using System.Runtime.CompilerServices;
using CsvHelper;
using MyBlog.Core.Imports;
using MyBlog.Core.Subscribers;

namespace MyBlog.Workers.Imports;

/// <summary>One row of a subscriber list: the subscriber it holds, or why it is skipped or refused.</summary>
/// <param name="Row">The row's number among the data rows (the header not counted), as a spreadsheet shows it less one.</param>
public sealed record SubscriberListRow(long Row, ImportedSubscriber? Subscriber, string? Skipped = null, string? Failed = null);

/// <summary>
/// Reads the subscriber exports of the platforms people move from, by their own columns, into subscribers with the
/// consent each records. What counts as consent: Ghost's <c>subscribed_to_emails</c>, Substack's
/// <c>email_disabled</c>, Mailchimp's list a member is in (the export's file per status, or its <c>UNSUB_TIME</c> and
/// <c>CLEAN_TIME</c> columns), Buttondown's <c>subscriber_type</c>, and this platform's own <c>status</c>. A list
/// with only an <c>email</c> column proves nobody's opt-in: everyone on it is pending and gets a welcome that asks.
/// </summary>
public static class SubscriberLists
{
    private const string Ghost = SubscriberListFormats.Ghost;
    private const string Substack = SubscriberListFormats.Substack;
    private const string Mailchimp = SubscriberListFormats.Mailchimp;
    private const string Buttondown = SubscriberListFormats.Buttondown;
    private const string MyBlog = SubscriberListFormats.MyBlog;
    private const string Plain = SubscriberListFormats.Plain;

    /// <summary>Which platform's export a header row is, or null when it has no column of addresses.</summary>
    public static string? FormatOf(IReadOnlyList<string> headers)
    {
        bool Has(string name) => headers.Any(h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
        return Has("Email Address") ? Mailchimp
            : !Has("email") ? null
            : Has("subscribed_to_emails") ? Ghost
            : Has("email_disabled") ? Substack
            : Has("subscriber_type") ? Buttondown
            : Has("status") && Has("subscribed_at") ? MyBlog
            : Plain;
    }

    /// <summary>
    /// The rows of <paramref name="csv"/>, read as the export <paramref name="format"/> (from <see cref="OpenAsync"/>).
    /// <paramref name="fileName"/> is the name the author uploaded: Mailchimp exports one file per status and says
    /// which in its name.
    /// </summary>
    public static async IAsyncEnumerable<SubscriberListRow> ReadAsync(
        CsvReader reader, string format, string fileName, [EnumeratorCancellation] CancellationToken ct)
    {
        var columns = reader.Headers.Select((h, i) => (Name: h.Trim().TrimStart('\uFEFF'), Index: i))
            .GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Index, StringComparer.OrdinalIgnoreCase);
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            string? Field(string name) =>
                columns.TryGetValue(name, out var index) && index < reader.FieldCount && reader.GetString(index).Trim() is { Length: > 0 } value
                    ? value
                    : null;
            var row = reader.RowNumber;
            var address = Field(format == Mailchimp ? "Email Address" : "email");
            if (address is null)
            {
                if (reader.FieldCount > 1 || reader.GetString(0).Trim().Length > 0)
                {
                    yield return new SubscriberListRow(row, null, Failed: "no address in its email column");
                }
                continue;
            }
            if (!EmailAddress.TryParse(address, out var email, out var error))
            {
                yield return new SubscriberListRow(row, null, Failed: $"not an email address: {error}");
                continue;
            }
            if (seen.TryGetValue(email.Value, out var first))
            {
                yield return new SubscriberListRow(row, null, Skipped: $"the same address as row {first}");
                continue;
            }
            seen[email.Value] = row;
            var (subscriber, skipped) = format switch
            {
                Ghost => FromGhost(email, Field),
                Substack => FromSubstack(email, Field),
                Mailchimp => FromMailchimp(email, Field, columns, fileName),
                Buttondown => FromButtondown(email, Field),
                MyBlog => FromMyBlog(email, Field),
                _ => (new ImportedSubscriber(email, Name(Field("name")), SubscriberState.Pending, null), null),
            };
            yield return new SubscriberListRow(row, subscriber, Skipped: skipped);
        }
    }

    /// <summary>A reader over an upload: comma-separated (a tag list may hold semicolons), header first.</summary>
    public static async Task<CsvReader> OpenAsync(Stream csv, CancellationToken ct)
    {
        var reader = CsvReader.Create(csv, new CsvReaderOptions { Separator = ',' }, leaveOpen: true);
        await reader.ReadHeaderAsync(ct);
        return reader;
    }

    /// <summary>
    /// Ghost exports every member, with <c>subscribed_to_emails</c> saying whether any newsletter goes to them.
    /// Members exist only after their sign-in link was used (or the author added them), so a subscribed member is confirmed.
    /// </summary>
    private static (ImportedSubscriber?, string?) FromGhost(EmailAddress email, Func<string, string?> field)
    {
        if (field("deleted_at") is not null)
        {
            return (null, "deleted in Ghost");
        }
        var subscribed = string.Equals(field("subscribed_to_emails"), "true", StringComparison.OrdinalIgnoreCase);
        var created = Date(field("created_at"));
        return (new ImportedSubscriber(email, Name(field("name")), subscribed ? SubscriberState.Confirmed : SubscriberState.Unsubscribed, created,
            ConfirmedAt: created), null);
    }

    /// <summary>Substack's <c>email_list</c> export: everyone on it subscribed there; <c>email_disabled</c> means no mail.</summary>
    private static (ImportedSubscriber?, string?) FromSubstack(EmailAddress email, Func<string, string?> field)
    {
        if (email.Value.EndsWith("@deletion-request.substack.com", StringComparison.Ordinal))
        {
            return (null, "a reader's deletion request in Substack, not an address");
        }
        var disabled = string.Equals(field("email_disabled"), "true", StringComparison.OrdinalIgnoreCase);
        var created = Date(field("created_at"));
        return (new ImportedSubscriber(email, Name(field("name")), disabled ? SubscriberState.Unsubscribed : SubscriberState.Confirmed, created,
            ConfirmedAt: created), null);
    }

    /// <summary>
    /// Mailchimp's audience export is a zip of one CSV per status (subscribed, unsubscribed, cleaned, nonsubscribed);
    /// the status is the file's, else its columns' (<c>UNSUB_TIME</c>, <c>CLEAN_TIME</c>). Cleaned addresses bounced
    /// for good; nonsubscribed contacts never opted in and get a welcome that asks.
    /// </summary>
    private static (ImportedSubscriber?, string?) FromMailchimp(
        EmailAddress email, Func<string, string?> field, IReadOnlyDictionary<string, int> columns, string fileName)
    {
        var file = Path.GetFileName(fileName).ToLowerInvariant();
        var state = file.StartsWith("nonsubscribed", StringComparison.Ordinal) ? SubscriberState.Pending
            : file.StartsWith("unsubscribed", StringComparison.Ordinal) || columns.ContainsKey("UNSUB_TIME") ? SubscriberState.Unsubscribed
            : file.StartsWith("cleaned", StringComparison.Ordinal) || columns.ContainsKey("CLEAN_TIME") ? SubscriberState.Bounced
            : SubscriberState.Confirmed;
        var name = string.Join(' ', new[] { field("First Name"), field("Last Name") }.OfType<string>());
        var optedIn = Date(field("OPTIN_TIME"));
        return (new ImportedSubscriber(email, Name(name), state, optedIn,
            ConfirmedAt: Date(field("CONFIRM_TIME")) ?? optedIn,
            UnsubscribedAt: Date(field("UNSUB_TIME")),
            MailBlocked: state == SubscriberState.Bounced ? "bounced (cleaned in Mailchimp)" : null), null);
    }

    /// <summary>Buttondown's <c>subscriber_type</c>: <c>unactivated</c> never confirmed; paid and lapsing types are on the list.</summary>
    private static (ImportedSubscriber?, string?) FromButtondown(EmailAddress email, Func<string, string?> field)
    {
        var type = field("subscriber_type")?.ToLowerInvariant() ?? "regular";
        SubscriberState? state = type switch
        {
            "unactivated" => SubscriberState.Pending,
            "unsubscribed" => SubscriberState.Unsubscribed,
            "undeliverable" => SubscriberState.Bounced,
            "complained" => SubscriberState.Complained,
            "removed" or "blocked" => null,
            _ => SubscriberState.Confirmed,
        };
        if (state is not { } known)
        {
            return (null, $"{type} in Buttondown (the author took them off the list)");
        }
        var created = Date(field("subscription_date")) ?? Date(field("creation_date"));
        return (new ImportedSubscriber(email, Name(field("name")), known, created, ConfirmedAt: created,
            UnsubscribedAt: Date(field("unsubscription_date")),
            MailBlocked: known switch
            {
                SubscriberState.Bounced => "bounced (undeliverable in Buttondown)",
                SubscriberState.Complained => $"{SubscriberStates.ComplaintReason} (in Buttondown)",
                _ => null,
            }), null);
    }

    /// <summary>This platform's own export (<see cref="SubscriberCsv"/>), read back as it was written.</summary>
    private static (ImportedSubscriber?, string?) FromMyBlog(EmailAddress email, Func<string, string?> field)
    {
        if (!SubscriberStates.TryParse(field("status"), out var state))
        {
            return (null, $"an unknown status '{field("status")}'");
        }
        return (new ImportedSubscriber(email, Name(field("name")), state, Date(field("subscribed_at")),
            ConfirmedAt: Date(field("confirmed_at")), UnsubscribedAt: Date(field("unsubscribed_at")),
            MailBlocked: field("mail_blocked") ?? (state == SubscriberState.Complained ? SubscriberStates.ComplaintReason : null)), null);
    }

    /// <summary>
    /// A name as the subscriber gave it. Ghost's export guards spreadsheet formulas with a leading apostrophe (a
    /// cell starting <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c>); that apostrophe is not part of the name.
    /// </summary>
    private static string? Name(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }
        name = name.Trim();
        if (name.Length > 1 && name[0] == '\'' && name[1] is '=' or '+' or '-' or '@')
        {
            name = name[1..];
        }
        return name.Length <= SubscribeRequest.MaxNameLength ? name : name[..SubscribeRequest.MaxNameLength];
    }

    /// <summary>
    /// The platforms' dates: ISO 8601 (Ghost, Substack), <c>2024-03-13 00:03:09.183465+00:00</c> (Buttondown) and
    /// <c>2018-02-12 10:54:27</c> in UTC (Mailchimp). Anything else is no date (the import's time is used).
    /// </summary>
    private static DateTimeOffset? Date(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : null;
}
