using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// The unsubscribe link in every newsletter: the subscriber's id signed with a secret key (HMAC-SHA256), as Ghost and
/// most list software do, so a newsletter to 100,000 readers writes no tokens and a link cannot be guessed from an id.
/// A token carries its version, which key signed it (keys can be rotated: links signed with a previous key keep
/// working), when it stops working, and the subscription it was made for — subscribing again after unsubscribing
/// starts a new one, so a link from before (forwarded, leaked) cannot end it. Tokens from before the version (the bare
/// signature) are accepted for a subscription that has not been renewed since, so the newsletters already in inboxes
/// keep working.
/// </summary>
public sealed class SubscriberLinks(IOptions<SubscriberLinkOptions> options, TimeProvider time)
{
    /// <summary>How long a newsletter's unsubscribe link works: a year of old newsletters, and a margin.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(400);

    private const byte Version = 1;
    private const int HeaderLength = 13; // version, key id (4), expiry in days since 1970 (4), subscription generation (4)
    private const int MacLength = 16;
    private const int LegacyMacLength = 32;

    public string UnsubscribeToken(string subscriberId, int generation)
    {
        var key = Encoding.UTF8.GetBytes(options.Value.LinkKey);
        var token = new byte[HeaderLength + MacLength];
        token[0] = Version;
        KeyId(key).CopyTo(token, 1);
        BinaryPrimitives.WriteUInt32BigEndian(token.AsSpan(5), (uint)((time.GetUtcNow() + Lifetime).ToUnixTimeSeconds() / 86_400));
        BinaryPrimitives.WriteUInt32BigEndian(token.AsSpan(9), (uint)generation);
        Mac(key, subscriberId, token.AsSpan(0, HeaderLength)).AsSpan(0, MacLength).CopyTo(token.AsSpan(HeaderLength));
        return Base64Url.EncodeToString(token);
    }

    /// <summary>The subscription (generation) a valid token of ours was made for; null for anything else.</summary>
    public int? VerifyUnsubscribeToken(string subscriberId, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > SubscriberToken.MaxLength || !SubscriberKeys.IsValidId(subscriberId))
        {
            return null;
        }
        var buffer = new byte[75];
        int written;
        try
        {
            // Whatever a link's reader typed: a malformed token is simply not one of ours.
            if (!Base64Url.TryDecodeFromChars(token, buffer, out written))
            {
                return null;
            }
        }
        catch (FormatException)
        {
            return null;
        }
        var given = buffer[..written];
        var keys = Keys().ToList();
        if (written == LegacyMacLength)
        {
            var legacy = Encoding.UTF8.GetBytes("unsubscribe:" + subscriberId);
            return keys.Any(key => CryptographicOperations.FixedTimeEquals(given, HMACSHA256.HashData(key, legacy))) ? 0 : null;
        }
        if (written != HeaderLength + MacLength || given[0] != Version)
        {
            return null;
        }
        var signer = keys.FirstOrDefault(key => KeyId(key).AsSpan().SequenceEqual(given.AsSpan(1, 4)));
        if (signer is null
            || !CryptographicOperations.FixedTimeEquals(given.AsSpan(HeaderLength), Mac(signer, subscriberId, given.AsSpan(0, HeaderLength)).AsSpan(0, MacLength))
            || BinaryPrimitives.ReadUInt32BigEndian(given.AsSpan(5)) * 86_400L < time.GetUtcNow().ToUnixTimeSeconds())
        {
            return null;
        }
        return (int)BinaryPrimitives.ReadUInt32BigEndian(given.AsSpan(9));
    }

    private IEnumerable<byte[]> Keys() =>
        new[] { options.Value.LinkKey }.Concat(options.Value.PreviousLinkKeys).Where(k => k.Length > 0).Select(Encoding.UTF8.GetBytes);

    private static byte[] KeyId(byte[] key) => SHA256.HashData(key)[..4];

    private static byte[] Mac(byte[] key, string subscriberId, ReadOnlySpan<byte> header) =>
        HMACSHA256.HashData(key, (byte[])[.. Encoding.UTF8.GetBytes($"unsubscribe:{subscriberId}:"), .. header]);
}
