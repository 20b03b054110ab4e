using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Core.Staff;

/// <summary>
/// Passkeys and the challenges of their ceremonies. A challenge is the options the server gave the browser, kept
/// (<c>CHALLENGE#</c>) until the answer comes back and taken exactly once — deleted on condition it is there and in
/// date — so an answer cannot be replayed. A passkey lives in its person's partition under its credential id; the
/// browser's answer at sign-in names both (the user handle is the person's id), so finding it is one read.
/// </summary>
public sealed class PasskeyStore(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public const string ChallengePrefix = "CHALLENGE#";
    private const string ChallengeSortKey = "CHALLENGE";
    private const string PasskeyPrefix = "PASSKEY#";
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(5);

    private string Table => options.Value.TableName;

    /// <summary>Keeps a ceremony's options; returns the id the browser's answer must name.</summary>
    public async Task<string> SaveChallengeAsync(string purpose, string? staffId, string optionsJson, CancellationToken ct)
    {
        var id = StaffSecrets.NewId();
        var item = new Dictionary<string, AttributeValue>(ItemKey(ChallengePrefix + id, ChallengeSortKey))
        {
            ["purpose"] = S(purpose),
            ["options"] = S(optionsJson),
            ["expiresAt"] = N((time.GetUtcNow() + ChallengeLifetime).ToUnixTimeMilliseconds()),
            [MyBlogTable.TimeToLive] = DeleteAfter(time.GetUtcNow() + ChallengeLifetime),
        };
        if (staffId is not null)
        {
            item["staffId"] = S(staffId);
        }
        await dynamo.PutItemAsync(new PutItemRequest { TableName = Table, Item = item }, ct);
        return id;
    }

    /// <summary>The options of a challenge made for <paramref name="purpose"/> (and person), taken once; null otherwise.</summary>
    public async Task<string?> TakeChallengeAsync(string? id, string purpose, string? staffId, CancellationToken ct)
    {
        if (!StaffSecrets.IsId(id))
        {
            return null;
        }
        var item = await dynamo.TryTakeItemAsync(new DeleteItemRequest
        {
            TableName = Table,
            Key = ItemKey(ChallengePrefix + id, ChallengeSortKey),
            ConditionExpression = "attribute_exists(pk) AND purpose = :purpose AND expiresAt > :now",
            ExpressionAttributeValues = new()
            {
                [":purpose"] = S(purpose),
                [":now"] = N(time.GetUtcNow().ToUnixTimeMilliseconds()),
            },
        }, ct);
        return item is null || item.String("staffId") != staffId ? null : item.String("options");
    }

    public async Task SaveAsync(StaffPasskey passkey, CancellationToken ct) =>
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = Table,
            Item = new Dictionary<string, AttributeValue>(ItemKey(StaffStore.PersonPartition(passkey.StaffId), PasskeyPrefix + passkey.CredentialId))
            {
                ["name"] = S(passkey.Name),
                ["publicKey"] = new AttributeValue { B = new MemoryStream(passkey.PublicKey) },
                ["signCount"] = N(passkey.SignCount),
                ["createdAt"] = Time(passkey.CreatedAt),
            },
            // A credential id is registered once.
            ConditionExpression = "attribute_not_exists(pk)",
        }, ct);

    public async Task<StaffPasskey?> GetAsync(string staffId, string credentialId, CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = Table,
            Key = ItemKey(StaffStore.PersonPartition(staffId), PasskeyPrefix + credentialId),
            ConsistentRead = true,
        }, ct);
        return response.Item is { Count: > 0 } item ? Passkey(item) : null;
    }

    public async Task<IReadOnlyList<StaffPasskey>> ListAsync(string staffId, CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues = new() { [":pk"] = S(StaffStore.PersonPartition(staffId)), [":prefix"] = S(PasskeyPrefix) },
            ConsistentRead = true,
        }, ct);
        return [.. response.Items.Select(Passkey).OrderBy(p => p.CreatedAt)];
    }

    /// <summary>
    /// Notes a sign-in with the passkey: its new counter, on condition that the counter went up (or the authenticator
    /// keeps none, as most synced passkeys do) — a cloned authenticator replaying an old counter fails here.
    /// </summary>
    public Task<bool> NoteUseAsync(StaffPasskey passkey, uint signCount, CancellationToken ct) => dynamo.TryUpdateItemAsync(new UpdateItemRequest
    {
        TableName = Table,
        Key = ItemKey(StaffStore.PersonPartition(passkey.StaffId), PasskeyPrefix + passkey.CredentialId),
        UpdateExpression = "SET signCount = :count, lastUsedAt = :now",
        ConditionExpression = "attribute_exists(pk) AND (signCount < :count OR (signCount = :zero AND :count = :zero))",
        ExpressionAttributeValues = new()
        {
            [":count"] = N(signCount),
            [":zero"] = N(0),
            [":now"] = Time(time.GetUtcNow()),
        },
    }, ct);

    public Task<bool> RemoveAsync(string staffId, string credentialId, CancellationToken ct) => dynamo.TryDeleteItemAsync(new DeleteItemRequest
    {
        TableName = Table,
        Key = ItemKey(StaffStore.PersonPartition(staffId), PasskeyPrefix + credentialId),
        ConditionExpression = "attribute_exists(pk)",
    }, ct);

    private static StaffPasskey Passkey(Dictionary<string, AttributeValue> item) => new(
        item.String(MyBlogTable.PartitionKey)!["STAFF#".Length..], item.String(MyBlogTable.SortKey)![PasskeyPrefix.Length..],
        item.String("name") ?? "", item.TryGetValue("publicKey", out var key) && key.B is not null ? key.B.ToArray() : [],
        (uint)(item.Long("signCount") ?? 0), item.Time("createdAt") ?? DateTimeOffset.UnixEpoch, item.Time("lastUsedAt"));
}
