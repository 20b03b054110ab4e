using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Core.Staff;

/// <summary>
/// The staff in the table. Every person is an item of one partition (<c>STAFF</c>, a handful of items, listed in one
/// query); an item per address (<c>STAFFEMAIL#</c>) keeps addresses unique and finds a person by address; a person's
/// sessions, API keys and passkeys live in their own partition (<c>STAFF#id</c>), so removing someone removes
/// everything they could sign in with.
/// </summary>
public sealed class StaffStore(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, TimeProvider time)
{
    /// <summary>The key prefix of everything here: the staff partition, each person's partition and the address items.</summary>
    public const string PartitionPrefix = "STAFF";
    public const string MembersPartition = "STAFF";
    private const string MemberPrefix = "MEMBER#";
    private const string SetupSortKey = "SETUP";
    public const string PersonPrefix = "STAFF#";
    public const string EmailPrefix = "STAFFEMAIL#";
    private const string EmailSortKey = "EMAIL";

    private string Table => options.Value.TableName;

    public static string PersonPartition(string staffId) => PersonPrefix + staffId;

    /// <summary>Whether the one-time setup has made the first owner.</summary>
    public async Task<bool> IsSetUpAsync(CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = ItemKey(MembersPartition, SetupSortKey), ConsistentRead = true }, ct);
        return response.Item is { Count: > 0 };
    }

    /// <summary>
    /// The first owner, made once: the setup marker, the person and their address in one transaction, so two setups
    /// racing make one owner and the other learns it lost (null).
    /// </summary>
    public async Task<StaffMember?> SetUpAsync(string email, string name, CancellationToken ct)
    {
        var owner = new StaffMember(StaffSecrets.NewId(), email, name, StaffRole.Owner, time.GetUtcNow(), null, null);
        var marker = new Dictionary<string, AttributeValue>(ItemKey(MembersPartition, SetupSortKey))
        {
            ["ownerId"] = S(owner.Id),
            ["at"] = Time(owner.CreatedAt),
        };
        var made = await dynamo.TryTransactAsync(
        [
            new TransactWriteItem { Put = new Put { TableName = Table, Item = marker, ConditionExpression = "attribute_not_exists(pk)" } },
            .. MemberWrites(owner),
        ], ct);
        return made ? owner : null;
    }

    /// <summary>Adds an invited person; null when the address already belongs to someone on the staff.</summary>
    public async Task<StaffMember?> InviteAsync(string email, string name, StaffRole role, string invitedBy, CancellationToken ct)
    {
        var person = new StaffMember(StaffSecrets.NewId(), email, name, role, time.GetUtcNow(), invitedBy, null);
        return await dynamo.TryTransactAsync(MemberWrites(person), ct) ? person : null;
    }

    private IEnumerable<TransactWriteItem> MemberWrites(StaffMember person)
    {
        var item = new Dictionary<string, AttributeValue>(ItemKey(MembersPartition, MemberPrefix + person.Id))
        {
            ["id"] = S(person.Id),
            ["email"] = S(person.Email),
            ["name"] = S(person.Name),
            ["role"] = S(StaffRoles.Name(person.Role)),
            ["createdAt"] = Time(person.CreatedAt),
        };
        if (person.InvitedBy is not null)
        {
            item["invitedBy"] = S(person.InvitedBy);
        }
        var address = new Dictionary<string, AttributeValue>(ItemKey(EmailPrefix + person.Email, EmailSortKey)) { ["staffId"] = S(person.Id) };
        yield return new TransactWriteItem { Put = new Put { TableName = Table, Item = item, ConditionExpression = "attribute_not_exists(pk)" } };
        yield return new TransactWriteItem { Put = new Put { TableName = Table, Item = address, ConditionExpression = "attribute_not_exists(pk)" } };
    }

    public async Task<StaffMember?> GetAsync(string staffId, CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = ItemKey(MembersPartition, MemberPrefix + staffId), ConsistentRead = true }, ct);
        return response.Item is { Count: > 0 } item ? Member(item) : null;
    }

    public async Task<StaffMember?> FindByEmailAsync(string email, CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = ItemKey(EmailPrefix + email, EmailSortKey), ConsistentRead = true }, ct);
        return response.Item?.String("staffId") is { } id ? await GetAsync(id, ct) : null;
    }

    public async Task<IReadOnlyList<StaffMember>> ListAsync(CancellationToken ct)
    {
        var people = (await dynamo.QueryAllAsync(new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :member)",
            ExpressionAttributeValues = new() { [":pk"] = S(MembersPartition), [":member"] = S(MemberPrefix) },
            ConsistentRead = true,
        }, ct)).Select(Member);
        return [.. people.OrderBy(p => p.CreatedAt)];
    }

    /// <summary>Notes a person's sign-in (the first one ends their invitation).</summary>
    public Task MarkSignedInAsync(string staffId, CancellationToken ct) => dynamo.TryUpdateItemAsync(new UpdateItemRequest
    {
        TableName = Table,
        Key = ItemKey(MembersPartition, MemberPrefix + staffId),
        UpdateExpression = "SET signedInAt = :now",
        ConditionExpression = "attribute_exists(pk)",
        ExpressionAttributeValues = new() { [":now"] = Time(time.GetUtcNow()) },
    }, ct);

    /// <summary>
    /// At most one sign-in email a minute per person: true (and noted) when this one may go. Someone asking for links
    /// in a loop cannot fill a person's inbox.
    /// </summary>
    public Task<bool> TryTakeMailTurnAsync(string staffId, TimeSpan spacing, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return dynamo.TryUpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = ItemKey(MembersPartition, MemberPrefix + staffId),
            UpdateExpression = "SET mailSentAt = :now",
            ConditionExpression = "attribute_exists(pk) AND (attribute_not_exists(mailSentAt) OR mailSentAt <= :before)",
            ExpressionAttributeValues = new()
            {
                [":now"] = N(now.ToUnixTimeMilliseconds()),
                [":before"] = N((now - spacing).ToUnixTimeMilliseconds()),
            },
        }, ct);
    }

    /// <summary>Changes a person's role; false when there is no such person. Every request reads the role afresh.</summary>
    public Task<bool> SetRoleAsync(string staffId, StaffRole role, CancellationToken ct) => dynamo.TryUpdateItemAsync(new UpdateItemRequest
    {
        TableName = Table,
        Key = ItemKey(MembersPartition, MemberPrefix + staffId),
        UpdateExpression = "SET #role = :role",
        ConditionExpression = "attribute_exists(pk)",
        ExpressionAttributeNames = new() { ["#role"] = "role" },
        ExpressionAttributeValues = new() { [":role"] = S(StaffRoles.Name(role)) },
    }, ct);

    /// <summary>Gives the turn back: the email could not be sent, and the retry must be able to send it.</summary>
    public Task ReleaseMailTurnAsync(string staffId, CancellationToken ct) => dynamo.TryUpdateItemAsync(new UpdateItemRequest
    {
        TableName = Table,
        Key = ItemKey(MembersPartition, MemberPrefix + staffId),
        UpdateExpression = "REMOVE mailSentAt",
        ConditionExpression = "attribute_exists(pk)",
    }, ct);

    /// <summary>
    /// Removes a person: first the person (every request checks it, so they are out at once), then their address,
    /// then everything in their partition — sessions, API keys, passkeys.
    /// </summary>
    public async Task<bool> RemoveAsync(StaffMember person, CancellationToken ct)
    {
        if (!await dynamo.TryDeleteItemAsync(new DeleteItemRequest
            {
                TableName = Table,
                Key = ItemKey(MembersPartition, MemberPrefix + person.Id),
                ConditionExpression = "attribute_exists(pk)",
            }, ct))
        {
            return false;
        }
        await dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = ItemKey(EmailPrefix + person.Email, EmailSortKey) }, ct);
        var keys = await dynamo.QueryAllAsync(new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = S(PersonPartition(person.Id)) },
            ProjectionExpression = "pk, sk",
        }, ct);
        foreach (var key in keys)
        {
            await dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = key }, ct);
        }
        return true;
    }

    private static StaffMember Member(Dictionary<string, AttributeValue> item) => new(
        item.String("id")!, item.String("email")!, item.String("name") ?? "",
        StaffRoles.TryParse(item.String("role"), out var role) ? role : StaffRole.Author,
        item.Time("createdAt") ?? DateTimeOffset.UnixEpoch, item.String("invitedBy"), item.Time("signedInAt"));
}
