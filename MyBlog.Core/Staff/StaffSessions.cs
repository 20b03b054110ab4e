using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Core.Staff;

/// <summary>Who made a request, and with what: a session (a browser) or an API key (a script).</summary>
public sealed record StaffCaller(StaffMember Person, StaffSession? Session, string? Csrf, StaffApiKey? Key);

/// <summary>
/// Sessions and API keys: made at sign-in (a session) or on request (a key), looked up on every admin request by the
/// ids in the credential (one read each for the credential and the person, in parallel), and deleted one by one to
/// revoke them — the next request with a deleted one is refused.
/// A session ends <see cref="IdleLimit"/> after its last use, and <see cref="AgeLimit"/> after sign-in whatever happens.
/// </summary>
public sealed class StaffSessions(IAmazonDynamoDB dynamo, StaffStore staff, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public static readonly TimeSpan IdleLimit = TimeSpan.FromDays(14);
    public static readonly TimeSpan AgeLimit = TimeSpan.FromDays(90);

    /// <summary>How often a session's last use is written down (not on every request).</summary>
    private static readonly TimeSpan SeenGranularity = TimeSpan.FromMinutes(5);

    /// <summary>What a script's key starts with, so that a leaked one is recognisable (secret scanners look for prefixes).</summary>
    public const string KeyPrefix = "myblog_";

    private const string SessionPrefix = "SESSION#";
    private const string KeyItemPrefix = "APIKEY#";
    public const int MaxAgentLength = 200;

    private string Table => options.Value.TableName;

    /// <summary>A new session: the cookie's value (given once, never stored), the session, and its CSRF token.</summary>
    public async Task<(string Cookie, StaffSession Session, string Csrf)> StartAsync(StaffMember person, SignInMethod via, string? agent, CancellationToken ct)
    {
        var (id, secret, csrf, now) = (StaffSecrets.NewId(), StaffSecrets.NewSecret(), StaffSecrets.NewSecret(), time.GetUtcNow());
        var label = string.IsNullOrWhiteSpace(agent) ? "unknown browser" : agent.Length <= MaxAgentLength ? agent : agent[..MaxAgentLength];
        var session = new StaffSession(person.Id, id, via, label, now, now, now + IdleLimit);
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = Table,
            Item = new Dictionary<string, AttributeValue>(ItemKey(StaffStore.PersonPartition(person.Id), SessionPrefix + id))
            {
                ["secretHash"] = S(StaffSecrets.Hash(secret)),
                ["csrf"] = S(csrf),
                ["via"] = S(via.ToString()),
                ["agent"] = S(label),
                ["createdAt"] = Time(now),
                ["lastSeenAt"] = Time(now),
                // Its longest life; one idle for two weeks ends sooner (checked on every use) and goes at this time.
                [MyBlogTable.TimeToLive] = DeleteAfter(now + AgeLimit),
            },
        }, ct);
        await staff.MarkSignedInAsync(person.Id, ct);
        return ($"{person.Id}.{id}.{secret}", session, csrf);
    }

    /// <summary>The caller of a session cookie; null for anything that is not a live session of a person still on the staff.</summary>
    public async Task<StaffCaller?> ResolveSessionAsync(string? cookie, CancellationToken ct)
    {
        if (await ReadAsync(cookie, "", SessionPrefix, ct) is not { } found)
        {
            return null;
        }
        var (person, item, staffId, sessionId) = found;
        var session = Session(item);
        var now = time.GetUtcNow();
        if (now >= session.ExpiresAt)
        {
            await RevokeSessionAsync(staffId, sessionId, ct);
            return null;
        }
        if (now - session.LastSeenAt >= SeenGranularity)
        {
            await TouchAsync(staffId, SessionPrefix + sessionId, "lastSeenAt", now, ct);
        }
        return new StaffCaller(person, session, item.String("csrf"), null);
    }

    /// <summary>The caller of an API key (<c>Authorization: Bearer myblog_…</c>); null for anything else.</summary>
    public async Task<StaffCaller?> ResolveKeyAsync(string? key, CancellationToken ct)
    {
        if (await ReadAsync(key, KeyPrefix, KeyItemPrefix, ct) is not { } found)
        {
            return null;
        }
        var (person, item, staffId, keyId) = found;
        var apiKey = Key(item);
        var now = time.GetUtcNow();
        if (apiKey.LastUsedAt is not { } used || now - used >= SeenGranularity)
        {
            await TouchAsync(staffId, KeyItemPrefix + keyId, "lastUsedAt", now, ct);
        }
        return new StaffCaller(person, null, null, apiKey);
    }

    /// <summary>
    /// The person and the item a credential (<c>prefix + person.id.secret</c>) names, read together, when the
    /// credential's secret matches the item's hash; null for anything else.
    /// </summary>
    private async Task<(StaffMember Person, Dictionary<string, AttributeValue> Item, string StaffId, string Id)?> ReadAsync(
        string? credential, string prefix, string itemPrefix, CancellationToken ct)
    {
        if (!StaffSecrets.TrySplit(credential, prefix, out var staffId, out var id, out var secret))
        {
            return null;
        }
        var person = staff.GetAsync(staffId, ct);
        var item = dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = ItemKey(StaffStore.PersonPartition(staffId), itemPrefix + id), ConsistentRead = true }, ct);
        await Task.WhenAll(person, item);
        return await person is { } found && (await item).Item is { Count: > 0 } stored && StaffSecrets.Matches(stored.String("secretHash"), secret)
            ? (found, stored, staffId, id)
            : null;
    }

    /// <summary>Notes a use, only on an item that still exists (a revoked one stays revoked).</summary>
    private Task TouchAsync(string staffId, string sortKey, string attribute, DateTimeOffset now, CancellationToken ct) =>
        dynamo.TryUpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = ItemKey(StaffStore.PersonPartition(staffId), sortKey),
            UpdateExpression = "SET #at = :now",
            ConditionExpression = "attribute_exists(pk)",
            ExpressionAttributeNames = new() { ["#at"] = attribute },
            ExpressionAttributeValues = new() { [":now"] = Time(now) },
        }, ct);

    public async Task<IReadOnlyList<StaffSession>> SessionsAsync(string staffId, CancellationToken ct) =>
        [.. (await ItemsAsync(staffId, SessionPrefix, ct)).Select(Session).Where(s => s.ExpiresAt > time.GetUtcNow()).OrderByDescending(s => s.LastSeenAt)];

    /// <summary>Ends one session; false when there was none with that id.</summary>
    public Task<bool> RevokeSessionAsync(string staffId, string sessionId, CancellationToken ct) => DeleteAsync(staffId, SessionPrefix + sessionId, ct);

    /// <summary>A new key: its value, shown once (only its hash is kept), and what the list shows of it.</summary>
    public async Task<(string Value, StaffApiKey Key)> CreateKeyAsync(string staffId, string name, CancellationToken ct)
    {
        var (id, secret, now) = (StaffSecrets.NewId(), StaffSecrets.NewSecret(), time.GetUtcNow());
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = Table,
            Item = new Dictionary<string, AttributeValue>(ItemKey(StaffStore.PersonPartition(staffId), KeyItemPrefix + id))
            {
                ["secretHash"] = S(StaffSecrets.Hash(secret)),
                ["name"] = S(name),
                ["createdAt"] = Time(now),
            },
        }, ct);
        return ($"{KeyPrefix}{staffId}.{id}.{secret}", new StaffApiKey(staffId, id, name, now, null));
    }

    public async Task<IReadOnlyList<StaffApiKey>> KeysAsync(string staffId, CancellationToken ct) =>
        [.. (await ItemsAsync(staffId, KeyItemPrefix, ct)).Select(Key).OrderBy(k => k.CreatedAt)];

    public Task<bool> RevokeKeyAsync(string staffId, string keyId, CancellationToken ct) => DeleteAsync(staffId, KeyItemPrefix + keyId, ct);

    private Task<bool> DeleteAsync(string staffId, string sortKey, CancellationToken ct) => dynamo.TryDeleteItemAsync(new DeleteItemRequest
    {
        TableName = Table,
        Key = ItemKey(StaffStore.PersonPartition(staffId), sortKey),
        ConditionExpression = "attribute_exists(pk)",
    }, ct);

    private Task<List<Dictionary<string, AttributeValue>>> ItemsAsync(string staffId, string prefix, CancellationToken ct) =>
        dynamo.QueryAllAsync(new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues = new() { [":pk"] = S(StaffStore.PersonPartition(staffId)), [":prefix"] = S(prefix) },
            ConsistentRead = true,
        }, ct);

    private static StaffSession Session(Dictionary<string, AttributeValue> item)
    {
        var created = item.Time("createdAt") ?? DateTimeOffset.UnixEpoch;
        var seen = item.Time("lastSeenAt") ?? created;
        var expires = seen + IdleLimit < created + AgeLimit ? seen + IdleLimit : created + AgeLimit;
        return new StaffSession(
            item.String(MyBlogTable.PartitionKey)!["STAFF#".Length..], item.String(MyBlogTable.SortKey)![SessionPrefix.Length..],
            Enum.TryParse<SignInMethod>(item.String("via"), out var via) ? via : SignInMethod.EmailLink, item.String("agent") ?? "", created, seen, expires);
    }

    private static StaffApiKey Key(Dictionary<string, AttributeValue> item) => new(
        item.String(MyBlogTable.PartitionKey)!["STAFF#".Length..], item.String(MyBlogTable.SortKey)![KeyItemPrefix.Length..],
        item.String("name") ?? "", item.Time("createdAt") ?? DateTimeOffset.UnixEpoch, item.Time("lastUsedAt"));
}
