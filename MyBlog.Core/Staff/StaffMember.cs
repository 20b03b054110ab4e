using System.Security.Cryptography;
using System.Text;

namespace MyBlog.Core.Staff;

/// <summary>
/// What a person on the blog's staff may do. An owner does everything: the site's settings, its subscribers and its
/// staff. An author writes, publishes and imports posts, pages and photos.
/// </summary>
public enum StaffRole
{
    Author,
    Owner,
}

public static class StaffRoles
{
    public static string Name(StaffRole role) => role == StaffRole.Owner ? "owner" : "author";

    public static bool TryParse(string? text, out StaffRole role)
    {
        role = text switch { "owner" => StaffRole.Owner, "author" => StaffRole.Author, _ => (StaffRole)(-1) };
        return Enum.IsDefined(role);
    }
}

/// <summary>A person on the staff. <see cref="SignedInAt"/> is null until an invited person first signs in.</summary>
public sealed record StaffMember(
    string Id, string Email, string Name, StaffRole Role, DateTimeOffset CreatedAt, string? InvitedBy, DateTimeOffset? SignedInAt);

/// <summary>How a session began.</summary>
public enum SignInMethod
{
    Setup,
    Passkey,
    EmailLink,
}

/// <summary>One signed-in browser: revocable by its id, over at <see cref="ExpiresAt"/> whatever happens.</summary>
public sealed record StaffSession(
    string StaffId, string Id, SignInMethod Via, string Agent, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt);

/// <summary>A person's key for scripts and tools, named by them; only its hash is kept.</summary>
public sealed record StaffApiKey(string StaffId, string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>A passkey registered by a person: the credential's id and public key, and the authenticator's counter.</summary>
public sealed record StaffPasskey(
    string StaffId, string CredentialId, string Name, byte[] PublicKey, uint SignCount, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>
/// The secrets of sign-in: ids and secrets drawn from the system's random generator, and the hashes kept in the
/// table in their place — someone who reads the table (a backup, a replica) finds no session, key or link it could use.
/// A credential the browser or a script holds is <c>id.id.secret</c>: the ids find the item in one read, the secret
/// proves the holder, compared in constant time.
/// </summary>
public static class StaffSecrets
{
    /// <summary>A new id: 16 random bytes as 32 lowercase hex characters.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>A new secret: 32 random bytes, base64url.</summary>
    public static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string? storedHash, string secret) =>
        storedHash is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(storedHash), Encoding.ASCII.GetBytes(Hash(secret)));

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool IsId(string? text) => text is { Length: 32 } && text.All(char.IsAsciiHexDigitLower);

    /// <summary>Splits <c>prefix + a.b.secret</c> into its parts, each id checked for shape; false for anything else.</summary>
    public static bool TrySplit(string? credential, string prefix, out string first, out string second, out string secret)
    {
        first = second = secret = "";
        if (credential is null || !credential.StartsWith(prefix, StringComparison.Ordinal) || credential.Length > 200)
        {
            return false;
        }
        var parts = credential[prefix.Length..].Split('.');
        if (parts is not [var a, var b, var s] || !IsId(a) || !IsId(b) || s.Length is < 32 or > 64)
        {
            return false;
        }
        (first, second, secret) = (a, b, s);
        return true;
    }
}
