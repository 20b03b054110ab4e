using System.Globalization;
using System.Text;

namespace MyBlog.Core.Subscribers;

/// <summary>The export's CSV: RFC 4180, one row per subscriber, times in ISO 8601 UTC.</summary>
public static class SubscriberCsv
{
    public static readonly string[] Columns = ["email", "name", "status", "subscribed_at", "confirmed_at", "unsubscribed_at", "mail_blocked"];

    public static void AppendRow(StringBuilder line, SubscriberRow row)
    {
        Field(line, row.Email).Append(',');
        Field(line, row.Name).Append(',');
        Field(line, row.State.ToString().ToLowerInvariant()).Append(',');
        Field(line, Time(row.SubscribedAt)).Append(',');
        Field(line, Time(row.ConfirmedAt)).Append(',');
        Field(line, Time(row.UnsubscribedAt)).Append(',');
        Field(line, row.MailBlocked).Append("\r\n");
    }

    private static string? Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A field, quoted when it must be; a name that starts like a spreadsheet formula (<c>=</c>, <c>+</c>, <c>-</c>,
    /// <c>@</c>) gets a leading apostrophe, as Ghost's export does, so opening the file cannot run what a stranger
    /// typed into the subscribe form.
    /// </summary>
    private static StringBuilder Field(StringBuilder line, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return line;
        }
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0
            ? line.Append('"').Append(value.Replace("\"", "\"\"")).Append('"')
            : line.Append(value);
    }
}
