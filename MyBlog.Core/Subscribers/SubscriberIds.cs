using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// The ids the table keys subscribers by, all derived from the normalized address, so the same person subscribing
/// twice writes the same key and DynamoDB — not a read-then-write race — decides who is new. Each is an HMAC with the
/// id key (<see cref="SubscriberIdOptions.IdKey"/>): nobody without the key can tell whose an id is, however many
/// addresses they try. The first subscribers were keyed by a plain hash (<see cref="LegacyIdFor"/>), which a
/// dictionary of addresses reverses; <see cref="SubscriberIdMigration"/> moves them.
/// </summary>
public sealed class SubscriberIds(IOptions<SubscriberIdOptions> options)
{
    private byte[] Key => Encoding.UTF8.GetBytes(options.Value.IdKey);

    public string IdFor(EmailAddress email) => Mac("subscriber:" + email.Value);

    /// <summary>
    /// The mailbox behind an address, for limits that a stranger must not multiply: sub-addresses (<c>+anything</c>)
    /// and, where the provider ignores them (Gmail), dots in the local part all reach one inbox.
    /// </summary>
    public string MailboxFor(EmailAddress email) => Mac("mailbox:" + Mailbox(email));

    /// <summary>Where an id of the first, unkeyed kind (in links sent before the move) now points.</summary>
    public string AliasFor(string legacyId) => Mac("alias:" + legacyId);

    /// <summary>The first kind of id: an unkeyed hash of the address (kept only to move such subscribers).</summary>
    public static string LegacyIdFor(EmailAddress email) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.Value)))[..32];

    public static string Mailbox(EmailAddress email)
    {
        var at = email.Value.LastIndexOf('@');
        var (local, domain) = (email.Value[..at], email.Value[(at + 1)..]);
        var plus = local.IndexOf('+');
        if (plus > 0)
        {
            local = local[..plus];
        }
        if (domain is "gmail.com" or "googlemail.com")
        {
            (local, domain) = (local.Replace(".", "", StringComparison.Ordinal), "gmail.com");
        }
        return $"{local}@{domain}";
    }

    private string Mac(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(text)))[..32];
}
