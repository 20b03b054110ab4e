using System.Buffers.Binary;
using System.Buffers.Text;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MyBlog.Core.Subscribers;

/// <summary>How much work a subscribe costs. Bound from "Subscribers:Challenge".</summary>
public sealed class SubscribeChallengeOptions
{
    public const string Section = "Subscribers:Challenge";

    /// <summary>
    /// Leading zero bits the proof's hash needs: each bit doubles the expected work (2^16 hashes on average, a few
    /// tenths of a second in a phone's browser, tens of milliseconds in native code). 0 turns the check off.
    /// </summary>
    [Range(0, SubscribeChallenge.MaxDifficulty)]
    public int Difficulty { get; set; } = 16;

    /// <summary>How long a challenge may be solved and used.</summary>
    [TimeRange("00:00:30", "01:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>The data annotations above, compiled.</summary>
[OptionsValidator]
public sealed partial class SubscribeChallengeOptionsValidator : IValidateOptions<SubscribeChallengeOptions>;

/// <summary>What the subscribe form is given to solve.</summary>
public sealed record ChallengeTicket(string Challenge, int Difficulty, DateTimeOffset ExpiresAt);

/// <summary>
/// A proof of work for every subscribe, checked without storing anything: the API hands out a challenge it signed
/// (when it expires, how hard it is, random bytes), and a subscribe must carry a nonce such that
/// SHA-256(challenge ":" address ":" nonce) starts with that many zero bits. The subscribe form's script finds one
/// in a fraction of a second; a script that wants ten thousand subscriptions does the work ten thousand times, once
/// per address (the address is part of the proof, so one solved challenge subscribes one address). A person never
/// sees it. No third party is involved, nothing is stored: the signature proves the challenge is ours, the expiry
/// bounds its reuse, and the address-bound work bounds what reuse can buy.
/// </summary>
public sealed class SubscribeChallenge(IOptions<SubscribeChallengeOptions> options, IOptions<SubscriberLinkOptions> keys, TimeProvider time)
{
    private const byte Version = 1;
    /// <summary>Longer than any challenge this API issues (base64url of its bytes); a longer one is refused unread.</summary>
    public const int MaxLength = 80;

    /// <summary>A nonce is a decimal number of at most this many digits.</summary>
    public const int MaxNonceLength = 20;

    /// <summary>The hardest challenge the setting may ask for: 2^28 hashes is minutes on a phone.</summary>
    public const int MaxDifficulty = 28;

    private const int BodyLength = 1 + 8 + 1 + 16; // version, expiry (unix seconds), difficulty, random
    private const int MacLength = 16;

    public bool Required => options.Value.Difficulty > 0;

    public ChallengeTicket Issue()
    {
        var expires = time.GetUtcNow() + options.Value.Lifetime;
        var token = new byte[BodyLength + MacLength];
        token[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(token.AsSpan(1), expires.ToUnixTimeSeconds());
        token[9] = (byte)options.Value.Difficulty;
        RandomNumberGenerator.Fill(token.AsSpan(10, 16));
        Mac(token.AsSpan(0, BodyLength)).AsSpan(0, MacLength).CopyTo(token.AsSpan(BodyLength));
        return new ChallengeTicket(Base64Url.EncodeToString(token), options.Value.Difficulty, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    /// <summary>
    /// Null when <paramref name="nonce"/> proves the work for <paramref name="address"/> — the address exactly as it
    /// was sent, before it is normalized (the browser cannot normalize an internationalized domain) — otherwise what is wrong.
    /// </summary>
    public string? Check(string? challenge, string? nonce, string address)
    {
        if (!Required)
        {
            return null;
        }
        if (string.IsNullOrEmpty(challenge) || string.IsNullOrEmpty(nonce))
        {
            return "A subscribe needs the challenge the form solves (GET /api/subscribers/challenge): enable JavaScript and try again.";
        }
        var token = new byte[64];
        int length;
        try
        {
            if (challenge.Length > MaxLength || !Base64Url.TryDecodeFromChars(challenge, token, out length))
            {
                return Invalid;
            }
        }
        catch (FormatException)
        {
            return Invalid;
        }
        if (length != BodyLength + MacLength || token[0] != Version
            || !CryptographicOperations.FixedTimeEquals(token.AsSpan(BodyLength, MacLength), Mac(token.AsSpan(0, BodyLength)).AsSpan(0, MacLength)))
        {
            return Invalid;
        }
        if (BinaryPrimitives.ReadInt64BigEndian(token.AsSpan(1)) < time.GetUtcNow().ToUnixTimeSeconds())
        {
            return "The challenge has expired: submit the form again.";
        }
        // A challenge issued easier than asked now (the setting was raised) no longer counts.
        if (token[9] < options.Value.Difficulty)
        {
            return Invalid;
        }
        if (nonce.Length > MaxNonceLength || !nonce.All(char.IsAsciiDigit))
        {
            return "The nonce is a decimal number.";
        }
        return LeadingZeroBits(Proof(challenge, address, nonce)) >= token[9] ? null : "The proof of work does not solve the challenge.";
    }

    private const string Invalid = "The challenge is not one this site issued: reload the page and submit the form again.";

    /// <summary>Finds a nonce for <paramref name="challenge"/> and <paramref name="address"/> (scripts and tests; the form's script does the same).</summary>
    public static string Solve(ChallengeTicket challenge, string address)
    {
        for (long nonce = 0; ; nonce++)
        {
            var text = nonce.ToString(CultureInfo.InvariantCulture);
            if (LeadingZeroBits(Proof(challenge.Challenge, address, text)) >= challenge.Difficulty)
            {
                return text;
            }
        }
    }

    private static byte[] Proof(string challenge, string address, string nonce) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"{challenge}:{address}:{nonce}"));

    private static int LeadingZeroBits(byte[] hash)
    {
        var bits = 0;
        foreach (var b in hash)
        {
            if (b == 0)
            {
                bits += 8;
                continue;
            }
            return bits + BitOperations.LeadingZeroCount((uint)b) - 24;
        }
        return bits;
    }

    /// <summary>Signed with a key derived from the link key for this one purpose (no secret of its own to provision).</summary>
    private byte[] Mac(ReadOnlySpan<byte> body) =>
        HMACSHA256.HashData(HMACSHA256.HashData(Encoding.UTF8.GetBytes(keys.Value.LinkKey), "subscribe-challenge"u8), body);
}
