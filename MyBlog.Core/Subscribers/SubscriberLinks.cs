using System.Buffers.Text;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MyBlog.Core.Subscribers;

/// <summary>The key newsletter links are signed with. Bound from "Subscribers"; a secret (Parameter Store on AWS).</summary>
public sealed class SubscriberLinkOptions
{
    public const string Section = "Subscribers";

    [Required, StringLength(4096, MinimumLength = 32)]
    public string LinkKey { get; set; } = "";
}

/// <summary>The data annotations above, compiled.</summary>
[OptionsValidator]
public sealed partial class SubscriberLinkOptionsValidator : IValidateOptions<SubscriberLinkOptions>;

/// <summary>
/// The unsubscribe link in every newsletter: the subscriber's id signed with a secret key (HMAC-SHA256), as Ghost and
/// most list software do. Nothing per email is stored — a newsletter to 100,000 readers writes no tokens — and a link
/// keeps working for as long as the key is not changed. Only the holder of the key can make one, so a link cannot
/// be guessed from an id; a leaked table backup holds no key either.
/// </summary>
public sealed class SubscriberLinks(IOptions<SubscriberLinkOptions> options)
{
    public string UnsubscribeToken(string subscriberId) => Base64Url.EncodeToString(Mac(subscriberId));

    public bool IsUnsubscribeToken(string subscriberId, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100 || !SubscriberKeys.IsValidId(subscriberId))
        {
            return false;
        }
        Span<byte> given = stackalloc byte[75];
        int written;
        try
        {
            // Whatever a link's reader typed: a malformed token is simply not one of ours.
            if (!Base64Url.TryDecodeFromChars(token, given, out written))
            {
                return false;
            }
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(given[..written], Mac(subscriberId));
    }

    private byte[] Mac(string subscriberId) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.LinkKey), Encoding.UTF8.GetBytes("unsubscribe:" + subscriberId));
}
