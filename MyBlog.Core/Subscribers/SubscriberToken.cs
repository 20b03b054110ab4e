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
    public static (string Token, string Hash) Create()
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static bool Matches(string? token, string? storedHash)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100 || string.IsNullOrEmpty(storedHash))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Hash(token)), Encoding.ASCII.GetBytes(storedHash));
    }
}
