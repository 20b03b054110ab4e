using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using MimeKit;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// A validated, normalized email address: exactly one plain <c>local@domain</c> mailbox, at most 254 characters,
/// no display name, no control characters (so it can never smuggle a header into a message), lower-cased, with an
/// internationalized domain in its ASCII (punycode) form. Two spellings of one mailbox normalize to one value, which
/// is what makes "already subscribed" a key collision.
/// </summary>
public sealed record EmailAddress
{
    public const int MaxLength = 254;
    private const int MaxLocalPartLength = 64;
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    private EmailAddress(string value) => Value = value;

    public string Value { get; }

    public override string ToString() => Value;

    public static bool TryParse(string? input, [NotNullWhen(true)] out EmailAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        error = Check(input?.Trim(), out var normalized);
        if (error is not null)
        {
            return false;
        }
        address = new EmailAddress(normalized!);
        return true;
    }

    private static string? Check(string? text, out string? normalized)
    {
        normalized = null;
        if (string.IsNullOrEmpty(text))
        {
            return "An email address is required.";
        }
        if (text.Length > MaxLength)
        {
            return $"An email address can be at most {MaxLength} characters long.";
        }
        if (text.Any(char.IsControl))
        {
            return "An email address cannot contain control characters or line breaks.";
        }
        if (text.Any(char.IsWhiteSpace) || text.IndexOfAny([',', ';', '<', '>', '"', '(', ')', '[', ']', '\\']) >= 0)
        {
            return "Enter a single email address like name@example.com, without a display name.";
        }

        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1 || text.IndexOf('@') != at)
        {
            return "An email address needs exactly one @ with a name before it and a domain after it.";
        }
        var local = text[..at];
        if (local.Length > MaxLocalPartLength || local.StartsWith('.') || local.EndsWith('.') || local.Contains(".."))
        {
            return "The part before the @ is not valid.";
        }
        if (!MailboxAddress.TryParse(ParserOptions.Default, text, out var mailbox)
            || !string.IsNullOrEmpty(mailbox.Name)
            || mailbox.Route.Count > 0)
        {
            return "That is not a valid email address.";
        }

        var domain = NormalizeDomain(text[(at + 1)..]);
        if (domain is null)
        {
            return "The domain after the @ is not valid.";
        }

        normalized = $"{local.ToLowerInvariant()}@{domain}";
        return normalized.Length > MaxLength ? $"An email address can be at most {MaxLength} characters long." : null;
    }

    private static string? NormalizeDomain(string domain)
    {
        string ascii;
        try
        {
            ascii = Idn.GetAscii(domain.TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }

        var labels = ascii.Split('.');
        if (labels.Length < 2 || labels.Any(l => l.Length is 0 or > 63 || l.StartsWith('-') || l.EndsWith('-')))
        {
            return null;
        }
        // A top-level domain is never all digits; this also turns away bare IP addresses.
        return labels[^1].All(char.IsAsciiDigit) ? null : ascii;
    }
}
