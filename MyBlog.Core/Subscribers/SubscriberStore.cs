using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// Subscribers in the single table. Every state change is a conditional write, so concurrent requests, redelivered
/// stream records and racing workers cannot double-send, resurrect an unsubscribed reader or reuse a token.
/// </summary>
public sealed class SubscriberStore(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public static readonly TimeSpan ConfirmTokenLifetime = TimeSpan.FromDays(7);

    /// <summary>How long a worker owns a welcome send before another delivery may take it over.</summary>
    public static readonly TimeSpan WelcomeLease = TimeSpan.FromMinutes(2);

    private static readonly ActivitySource Activity = new("MyBlog.Subscribers");

    internal static class Attr
    {
        public const string Email = "email";
        public const string Name = "name";
        public const string Status = "status";
        public const string SubscribedAt = "subscribedAt";
        public const string TraceParent = "traceparent";
        public const string WelcomeSentAt = "welcomeSentAt";
        public const string WelcomeLeaseUntil = "welcomeLeaseUntil";
        public const string ConfirmTokenHash = "confirmTokenHash";
        public const string ConfirmTokenExpiresAt = "confirmTokenExpiresAt";
        public const string ConfirmedAt = "confirmedAt";
        public const string UnsubscribeTokenHash = "unsubscribeTokenHash";
        public const string UnsubscribedAt = "unsubscribedAt";
    }

    private string Table => options.Value.TableName;

    /// <summary>
    /// Stores a new subscriber. Returns false (and changes nothing) when the address is already known — the caller
    /// answers the same either way, so the API does not reveal who subscribes.
    /// </summary>
    public async Task<bool> AddAsync(NewSubscriber subscriber, string? traceParent, CancellationToken ct)
    {
        using var span = Activity.StartActivity("subscriber.add");
        var id = SubscriberKeys.IdFor(subscriber.Email);
        var item = new Dictionary<string, AttributeValue>
        {
            [MyBlogTable.PartitionKey] = S(SubscriberKeys.PartitionKey(id)),
            [MyBlogTable.SortKey] = S(SubscriberKeys.ProfileSortKey),
            [Attr.Email] = S(subscriber.Email.Value),
            [Attr.Status] = S(StatusText(SubscriberStatus.Pending)),
            [Attr.SubscribedAt] = S(time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)),
        };
        if (subscriber.Name is not null)
        {
            item[Attr.Name] = S(subscriber.Name);
        }
        if (traceParent is not null)
        {
            item[Attr.TraceParent] = S(traceParent);
        }

        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = item,
                ConditionExpression = "attribute_not_exists(pk)",
            }, ct);
            span?.SetTag("myblog.subscriber.new", true);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            span?.SetTag("myblog.subscriber.new", false);
            return false;
        }
    }

    public async Task<Subscriber?> FindAsync(string id, CancellationToken ct)
    {
        var item = await GetAsync(id, ct);
        return item is null ? null : ToSubscriber(id, item);
    }

    /// <summary>
    /// Takes the right to send this subscriber's welcome email: only while it is pending, not yet sent, and nobody
    /// else holds an unexpired lease. Fresh confirm and unsubscribe tokens are minted in the same write, so the
    /// tokens in the email are exactly the ones stored (hashed). Null: nothing to send.
    /// </summary>
    public async Task<WelcomeClaim?> TryClaimWelcomeAsync(string id, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var leaseUntil = now.Add(WelcomeLease).ToUnixTimeMilliseconds();
        var confirm = SubscriberToken.Create();
        var unsubscribe = SubscriberToken.Create();
        try
        {
            var response = await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = Key(id),
                UpdateExpression =
                    "SET #lease = :lease, #confirmHash = :confirmHash, #confirmExpires = :confirmExpires, #unsubHash = :unsubHash",
                ConditionExpression =
                    "attribute_exists(pk) AND attribute_not_exists(#sent) AND #status = :pending " +
                    "AND (attribute_not_exists(#lease) OR #lease < :now)",
                ExpressionAttributeNames = new()
                {
                    ["#lease"] = Attr.WelcomeLeaseUntil,
                    ["#confirmHash"] = Attr.ConfirmTokenHash,
                    ["#confirmExpires"] = Attr.ConfirmTokenExpiresAt,
                    ["#unsubHash"] = Attr.UnsubscribeTokenHash,
                    ["#sent"] = Attr.WelcomeSentAt,
                    ["#status"] = Attr.Status,
                },
                ExpressionAttributeValues = new()
                {
                    [":lease"] = N(leaseUntil),
                    [":confirmHash"] = S(confirm.Hash),
                    [":confirmExpires"] = N(now.Add(ConfirmTokenLifetime).ToUnixTimeSeconds()),
                    [":unsubHash"] = S(unsubscribe.Hash),
                    [":pending"] = S(StatusText(SubscriberStatus.Pending)),
                    [":now"] = N(now.ToUnixTimeMilliseconds()),
                },
                ReturnValues = ReturnValue.ALL_NEW,
            }, ct);
            return new WelcomeClaim(ToSubscriber(id, response.Attributes), leaseUntil, confirm.Token, unsubscribe.Token);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    /// <summary>Records the send and drops the lease; fails quietly if the lease was lost (the email went out anyway).</summary>
    public Task<bool> MarkWelcomeSentAsync(WelcomeClaim claim, CancellationToken ct) =>
        UpdateOwnLeaseAsync(claim, "SET #sent = :sentAt REMOVE #lease",
            new() { ["#sent"] = Attr.WelcomeSentAt },
            new() { [":sentAt"] = S(time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)) },
            ct);

    /// <summary>Gives the lease back after a failed send so the retry does not wait for it to expire.</summary>
    public Task<bool> ReleaseWelcomeAsync(WelcomeClaim claim, CancellationToken ct) =>
        UpdateOwnLeaseAsync(claim, "REMOVE #lease", [], [], ct);

    public async Task<ConfirmOutcome> ConfirmAsync(string id, string? token, CancellationToken ct)
    {
        var item = await GetAsync(id, ct);
        if (item is null || !SubscriberToken.Matches(token, Str(item, Attr.ConfirmTokenHash)))
        {
            return ConfirmOutcome.Invalid;
        }
        var status = ParseStatus(Str(item, Attr.Status));
        if (status == SubscriberStatus.Unsubscribed)
        {
            return ConfirmOutcome.Unsubscribed;
        }
        if (status == SubscriberStatus.Confirmed)
        {
            return ConfirmOutcome.AlreadyConfirmed;
        }
        var now = time.GetUtcNow();
        if (!item.TryGetValue(Attr.ConfirmTokenExpiresAt, out var expires)
            || long.Parse(expires.N, CultureInfo.InvariantCulture) < now.ToUnixTimeSeconds())
        {
            return ConfirmOutcome.Expired;
        }

        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = Key(id),
                UpdateExpression = "SET #status = :confirmed, #confirmedAt = :now",
                ConditionExpression = "#confirmHash = :hash AND #status = :pending",
                ExpressionAttributeNames = new()
                {
                    ["#status"] = Attr.Status,
                    ["#confirmedAt"] = Attr.ConfirmedAt,
                    ["#confirmHash"] = Attr.ConfirmTokenHash,
                },
                ExpressionAttributeValues = new()
                {
                    [":confirmed"] = S(StatusText(SubscriberStatus.Confirmed)),
                    [":pending"] = S(StatusText(SubscriberStatus.Pending)),
                    [":now"] = S(now.ToString("O", CultureInfo.InvariantCulture)),
                    [":hash"] = S(Str(item, Attr.ConfirmTokenHash)!),
                },
            }, ct);
            return ConfirmOutcome.Confirmed;
        }
        catch (ConditionalCheckFailedException)
        {
            // Someone used the link (or unsubscribed) between our read and write: report what is true now.
            var current = await FindAsync(id, ct);
            return current?.Status switch
            {
                SubscriberStatus.Confirmed => ConfirmOutcome.AlreadyConfirmed,
                SubscriberStatus.Unsubscribed => ConfirmOutcome.Unsubscribed,
                _ => ConfirmOutcome.Invalid,
            };
        }
    }

    /// <summary>Unsubscribes for good; repeating it is harmless. The token stays valid so the link keeps working.</summary>
    public async Task<UnsubscribeOutcome> UnsubscribeAsync(string id, string? token, CancellationToken ct)
    {
        var item = await GetAsync(id, ct);
        if (item is null || !SubscriberToken.Matches(token, Str(item, Attr.UnsubscribeTokenHash)))
        {
            return UnsubscribeOutcome.Invalid;
        }
        if (ParseStatus(Str(item, Attr.Status)) == SubscriberStatus.Unsubscribed)
        {
            return UnsubscribeOutcome.Unsubscribed;
        }
        await dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(id),
            UpdateExpression = "SET #status = :unsubscribed, #at = :now",
            ConditionExpression = "attribute_exists(pk)",
            ExpressionAttributeNames = new() { ["#status"] = Attr.Status, ["#at"] = Attr.UnsubscribedAt },
            ExpressionAttributeValues = new()
            {
                [":unsubscribed"] = S(StatusText(SubscriberStatus.Unsubscribed)),
                [":now"] = S(time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)),
            },
        }, ct);
        return UnsubscribeOutcome.Unsubscribed;
    }

    private async Task<bool> UpdateOwnLeaseAsync(
        WelcomeClaim claim, string update, Dictionary<string, string> names, Dictionary<string, AttributeValue> values, CancellationToken ct)
    {
        names["#lease"] = Attr.WelcomeLeaseUntil;
        values[":lease"] = N(claim.LeaseUntil);
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = Key(claim.Subscriber.Id),
                UpdateExpression = update,
                ConditionExpression = "#lease = :lease",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            }, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(string id, CancellationToken ct)
    {
        if (!SubscriberKeys.IsValidId(id))
        {
            return null;
        }
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(id), ConsistentRead = true }, ct);
        return response.IsItemSet && response.Item.Count > 0 ? response.Item : null;
    }

    private static Dictionary<string, AttributeValue> Key(string id) => new()
    {
        [MyBlogTable.PartitionKey] = S(SubscriberKeys.PartitionKey(id)),
        [MyBlogTable.SortKey] = S(SubscriberKeys.ProfileSortKey),
    };

    private static Subscriber ToSubscriber(string id, Dictionary<string, AttributeValue> item) => new(
        id,
        Str(item, Attr.Email) ?? "",
        Str(item, Attr.Name),
        ParseStatus(Str(item, Attr.Status)),
        DateTimeOffset.TryParse(Str(item, Attr.SubscribedAt), CultureInfo.InvariantCulture, out var at) ? at : DateTimeOffset.MinValue,
        DateTimeOffset.TryParse(Str(item, Attr.WelcomeSentAt), CultureInfo.InvariantCulture, out var sent) ? sent : null);

    private static string StatusText(SubscriberStatus status) => status.ToString().ToLowerInvariant();

    private static SubscriberStatus ParseStatus(string? text) =>
        Enum.TryParse<SubscriberStatus>(text, ignoreCase: true, out var status) ? status : SubscriberStatus.Pending;

    private static string? Str(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}

/// <summary>The right to send one welcome email, with the raw tokens for its links (only their hashes are stored).</summary>
public sealed record WelcomeClaim(Subscriber Subscriber, long LeaseUntil, string ConfirmToken, string UnsubscribeToken);
