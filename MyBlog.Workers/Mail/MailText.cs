using System.Text.RegularExpressions;

namespace MyBlog.Workers.Mail;

/// <summary>Text about mail that is logged, traced or stored, with the addresses in it taken out.</summary>
public static partial class MailText
{
    public const string Address = "<address>";

    /// <summary>
    /// <paramref name="text"/> with every email address replaced by <see cref="Address"/>: mail servers name the
    /// recipient in their refusals ("550 5.1.1 &lt;ada@example.com&gt;: Recipient address rejected"), and logs, traces
    /// and the table's failure fields outlive a subscriber's wish to be forgotten.
    /// </summary>
    public static string WithoutAddresses(string text) => AddressLike().Replace(text, Address);

    [GeneratedRegex(@"[^\s<>""'(),;:@\[\]]+@[^\s<>""'(),;:@\[\]]+", RegexOptions.NonBacktracking)]
    private static partial Regex AddressLike();
}
