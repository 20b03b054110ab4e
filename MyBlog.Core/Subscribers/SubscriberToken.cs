using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// Single-purpose random tokens for the confirm and unsubscribe links. Only a SHA-256 hash is stored, so a leaked
/// table backup cannot confirm or unsubscribe anyone; checks compare hashes in constant time.
/// </summary>
public static class SubscriberToken
{
    /// <summary>Longer than any token this API makes (confirm tokens and signed links); a longer one is refused unread.</summary>
    public const int MaxLength = 100;

    public static (string Token, string Hash) Create()
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static bool Matches(string? token, string? storedHash)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxLength || string.IsNullOrEmpty(storedHash))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Hash(token)), Encoding.ASCII.GetBytes(storedHash));
    }
}
