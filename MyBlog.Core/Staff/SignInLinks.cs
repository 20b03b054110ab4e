using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Core.Staff;

/// <summary>Why a sign-in email is sent: someone asked for a link, or an owner invited a new person.</summary>
public enum SignInMailKind
{
    SignIn,
    Invite,
}

/// <summary>A request for a sign-in email, as the API wrote it and the stream delivers it to the staff mailer.</summary>
public sealed record SignInMailRequest(string Id, string Email, SignInMailKind Kind, string? InvitedBy);

/// <summary>
/// One-time sign-in links by email. The API only writes down that a link was asked for (<c>SIGNINMAIL#</c>), the
/// same single write whether or not the address belongs to anyone — nothing in its answer or its timing says which.
/// The staff mailer, from the stream, looks the address up and, for a person on the staff, makes the link
/// (<c>SIGNIN#</c>: the link's id, its secret's hash and its end, <see cref="Lifetime"/> later) and emails it.
/// A link is used once: redeeming deletes it on condition that it is still there.
/// </summary>
public sealed class SignInLinks(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public const string RequestPrefix = "SIGNINMAIL#";
    public const string LinkPrefix = "SIGNIN#";

    /// <summary>Both kinds of item: their key prefixes start with this.</summary>
    public const string PartitionPrefix = "SIGNIN";

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    /// <summary>An invitation's link lasts longer: the person may read it the next day.</summary>
    public static readonly TimeSpan InviteLifetime = TimeSpan.FromDays(7);

    private const string SortKey = "ITEM";

    private string Table => options.Value.TableName;

    public Task RequestAsync(string email, SignInMailKind kind, string? invitedBy, CancellationToken ct)
    {
        var item = new Dictionary<string, AttributeValue>(ItemKey(RequestPrefix + StaffSecrets.NewId(), SortKey))
        {
            ["email"] = S(email),
            ["kind"] = S(kind.ToString()),
            ["requestedAt"] = Time(time.GetUtcNow()),
            // Forgotten once handled; a request the mailer never saw is worthless after a day.
            [MyBlogTable.TimeToLive] = DeleteAfter(time.GetUtcNow().AddDays(1)),
        };
        if (invitedBy is not null)
        {
            item["invitedBy"] = S(invitedBy);
        }
        return dynamo.PutItemAsync(new PutItemRequest { TableName = Table, Item = item }, ct);
    }

    /// <summary>A request from the fields of a stream record's new image; null when it is not one.</summary>
    public static SignInMailRequest? RequestFrom(string? partitionKey, string? email, string? kind, string? invitedBy) =>
        partitionKey is not null && partitionKey.StartsWith(RequestPrefix, StringComparison.Ordinal) && email is not null
            ? new SignInMailRequest(partitionKey[RequestPrefix.Length..], email,
                Enum.TryParse<SignInMailKind>(kind, out var parsed) ? parsed : SignInMailKind.SignIn, invitedBy)
            : null;

    /// <summary>The request is done with (sent or not): it holds an address and is no use afterwards.</summary>
    public Task ForgetRequestAsync(string requestId, CancellationToken ct) =>
        dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = ItemKey(RequestPrefix + requestId, SortKey) }, ct);

    /// <summary>A new link for <paramref name="staffId"/>: the token that goes in the email (<c>linkId.secret</c>).</summary>
    public async Task<string> CreateLinkAsync(string staffId, TimeSpan lifetime, CancellationToken ct)
    {
        var (id, secret) = (StaffSecrets.NewId(), StaffSecrets.NewSecret());
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = Table,
            Item = new Dictionary<string, AttributeValue>(ItemKey(LinkPrefix + id, SortKey))
            {
                ["staffId"] = S(staffId),
                ["secretHash"] = S(StaffSecrets.Hash(secret)),
                ["expiresAt"] = N((time.GetUtcNow() + lifetime).ToUnixTimeMilliseconds()),
                [MyBlogTable.TimeToLive] = DeleteAfter(time.GetUtcNow() + lifetime),
            },
        }, ct);
        return $"{id}.{secret}";
    }

    /// <summary>
    /// The person a link's token signs in, once: the link is deleted as it is used (a second use, or two at once,
    /// finds it gone). Null for a token that is wrong, used or out of date.
    /// </summary>
    public async Task<string?> RedeemAsync(string? token, CancellationToken ct)
    {
        var parts = token?.Split('.');
        if (parts is not [var id, var secret] || !StaffSecrets.IsId(id) || secret.Length is < 32 or > 64)
        {
            return null;
        }
        var taken = await dynamo.TryTakeItemAsync(new DeleteItemRequest
        {
            TableName = Table,
            Key = ItemKey(LinkPrefix + id, SortKey),
            ConditionExpression = "attribute_exists(pk) AND secretHash = :hash AND expiresAt > :now",
            ExpressionAttributeValues = new()
            {
                [":hash"] = S(StaffSecrets.Hash(secret)),
                [":now"] = N(time.GetUtcNow().ToUnixTimeMilliseconds()),
            },
        }, ct);
        return taken?.String("staffId");
    }
}
