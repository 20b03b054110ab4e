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
/// <remarks>
/// A welcome that is owed is recorded on the subscriber itself, in the same write that makes it owed: the item
/// carries <c>welcomeDueAt</c> and sits in the sparse owed index (<see cref="SubscriberKeys.WelcomeOwedList"/> in
/// <c>gsi1</c>, sorted by due time) until the email is sent or refused for good. The stream delivers the fast
/// attempt; the sweep (<see cref="Mail.WelcomeSweep"/>) visits whatever is still owed once it is due. A claim is a
/// lease that also moves the due time to the lease's end, so a holder that dies without a word leaves an item that
/// falls due again by itself.
/// </remarks>
public sealed class SubscriberStore(
    IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, IOptions<WelcomeOptions> welcome, TimeProvider time)
{
    public static readonly TimeSpan ConfirmTokenLifetime = TimeSpan.FromDays(7);

    private static readonly ActivitySource Activity = new("MyBlog.Subscribers");

    internal static class Attr
    {
        public const string Email = "email";
        public const string Name = "name";
        public const string Status = "status";
        public const string SubscribedAt = "subscribedAt";
        public const string TraceParent = "traceparent";
        public const string WelcomeArmedAt = "welcomeArmedAt";
        public const string WelcomeDueAt = "welcomeDueAt";
        public const string WelcomeAttempts = "welcomeAttempts";
        public const string WelcomeLastError = "welcomeLastError";
        public const string WelcomeSentAt = "welcomeSentAt";
        public const string WelcomeLeaseUntil = "welcomeLeaseUntil";
        public const string WelcomeFailedAt = "welcomeFailedAt";
        public const string WelcomeFailure = "welcomeFailure";
        public const string ConfirmTokenHash = "confirmTokenHash";
        public const string ConfirmTokenExpiresAt = "confirmTokenExpiresAt";
        public const string ConfirmedAt = "confirmedAt";
        public const string UnsubscribeTokenHash = "unsubscribeTokenHash";
        public const string UnsubscribedAt = "unsubscribedAt";
        public const string MailBlocked = "mailBlocked";
        public const string MailBlockedAt = "mailBlockedAt";
    }

    /// <summary>The attributes that make a welcome owed; removed together when it no longer is.</summary>
    private const string RemoveOwed = "#due, #lpk, #lsk";

    private static readonly Dictionary<string, string> OwedNames = new()
    {
        ["#due"] = Attr.WelcomeDueAt,
        ["#lpk"] = MyBlogTable.ListPartitionKey,
        ["#lsk"] = MyBlogTable.ListSortKey,
    };

    private string Table => options.Value.TableName;

    /// <summary>
    /// Stores a new subscriber with its welcome owed, or owes a known address a fresh welcome when it is not
    /// confirmed and none went out within the resend interval. DynamoDB's conditions decide, so two requests at
    /// once owe at most one welcome.
    /// </summary>
    public async Task<SubscribeOutcome> AddAsync(NewSubscriber subscriber, string? traceParent, CancellationToken ct)
    {
        using var span = Activity.StartActivity("subscriber.add");
        var id = SubscriberKeys.IdFor(subscriber.Email);
        var now = time.GetUtcNow();
        var item = new Dictionary<string, AttributeValue>
        {
            [MyBlogTable.PartitionKey] = S(SubscriberKeys.PartitionKey(id)),
            [MyBlogTable.SortKey] = S(SubscriberKeys.ProfileSortKey),
            [Attr.Email] = S(subscriber.Email.Value),
            [Attr.Status] = S(StatusText(SubscriberStatus.Pending)),
            [Attr.SubscribedAt] = S(Iso(now)),
            [Attr.WelcomeArmedAt] = N(now.ToUnixTimeMilliseconds()),
            [Attr.WelcomeDueAt] = N(now.ToUnixTimeMilliseconds()),
            [Attr.WelcomeAttempts] = N(0),
            [MyBlogTable.ListPartitionKey] = S(SubscriberKeys.WelcomeOwedList),
            [MyBlogTable.ListSortKey] = S(SubscriberKeys.DueSortKey(now)),
        };
        if (subscriber.Name is not null)
        {
            item[Attr.Name] = S(subscriber.Name);
        }
        if (traceParent is not null)
        {
            item[Attr.TraceParent] = S(traceParent);
        }

        SubscribeOutcome outcome;
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = item,
                ConditionExpression = "attribute_not_exists(pk)",
            }, ct);
            outcome = SubscribeOutcome.Added;
        }
        catch (ConditionalCheckFailedException)
        {
            outcome = await OweWelcomeAgainAsync(id, subscriber.Name, traceParent, confirmTokenHash: null, ct)
                ? SubscribeOutcome.WelcomedAgain
                : SubscribeOutcome.Unchanged;
        }
        span?.SetTag("myblog.subscriber.outcome", outcome.ToString());
        return outcome;
    }

    public async Task<Subscriber?> FindAsync(string id, CancellationToken ct)
    {
        var item = await GetAsync(id, ct);
        return item is null ? null : ToSubscriber(id, item);
    }

    /// <summary>
    /// Takes the right to send this subscriber's owed welcome: only while it is owed, the subscriber is pending and
    /// nobody holds an unexpired lease (and, for the sweep, once it is due: a failed attempt waits its backoff).
    /// Fresh confirm and unsubscribe tokens are minted in the same write, so the tokens in the email are exactly the
    /// ones stored (hashed). Null: not claimable now — sent, refused, held by another sender, or not due; whatever
    /// is still owed stays in the owed index for the sweep.
    /// </summary>
    public async Task<WelcomeClaim?> TryClaimWelcomeAsync(string id, bool onlyIfDue, CancellationToken ct)
    {
        if (!SubscriberKeys.IsValidId(id))
        {
            return null;
        }
        var now = time.GetUtcNow();
        var leaseUntil = now.Add(welcome.Value.Lease);
        var confirm = SubscriberToken.Create();
        var unsubscribe = SubscriberToken.Create();
        try
        {
            var response = await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = Key(id),
                // The due time moves to the lease's end: should this holder die, the item falls due again by itself.
                UpdateExpression =
                    "SET #lease = :lease, #due = :lease, #lsk = :leaseKey, #attempts = if_not_exists(#attempts, :zero) + :one, " +
                    "#confirmHash = :confirmHash, #confirmExpires = :confirmExpires, #unsubHash = :unsubHash",
                ConditionExpression =
                    "attribute_exists(#due) AND #status = :pending AND (attribute_not_exists(#lease) OR #lease < :now) AND attribute_not_exists(#blocked)" +
                    (onlyIfDue ? " AND #due <= :now" : ""),
                ExpressionAttributeNames = new()
                {
                    ["#due"] = Attr.WelcomeDueAt,
                    ["#lsk"] = MyBlogTable.ListSortKey,
                    ["#lease"] = Attr.WelcomeLeaseUntil,
                    ["#attempts"] = Attr.WelcomeAttempts,
                    ["#confirmHash"] = Attr.ConfirmTokenHash,
                    ["#confirmExpires"] = Attr.ConfirmTokenExpiresAt,
                    ["#unsubHash"] = Attr.UnsubscribeTokenHash,
                    ["#status"] = Attr.Status,
                    ["#blocked"] = Attr.MailBlocked,
                },
                ExpressionAttributeValues = new()
                {
                    [":lease"] = N(leaseUntil.ToUnixTimeMilliseconds()),
                    [":leaseKey"] = S(SubscriberKeys.DueSortKey(leaseUntil)),
                    [":zero"] = N(0),
                    [":one"] = N(1),
                    [":confirmHash"] = S(confirm.Hash),
                    [":confirmExpires"] = N(now.Add(ConfirmTokenLifetime).ToUnixTimeSeconds()),
                    [":unsubHash"] = S(unsubscribe.Hash),
                    [":pending"] = S(StatusText(SubscriberStatus.Pending)),
                    [":now"] = N(now.ToUnixTimeMilliseconds()),
                },
                ReturnValues = ReturnValue.ALL_NEW,
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, ct);
            var item = response.Attributes;
            return new WelcomeClaim(ToSubscriber(id, item), now, leaseUntil.ToUnixTimeMilliseconds(),
                confirm.Token, unsubscribe.Token, Str(item, Attr.TraceParent));
        }
        catch (ConditionalCheckFailedException ex)
        {
            if (ex.Item is { Count: > 0 } old && old.ContainsKey(Attr.WelcomeDueAt)
                && ParseStatus(Str(old, Attr.Status)) != SubscriberStatus.Pending)
            {
                // Confirmed or unsubscribed while a welcome was owed: nothing is owed any more.
                await ForgetOwedWelcomeAsync(id, ct);
            }
            return null;
        }
    }

    /// <summary>Records the send; the welcome is no longer owed. False if the lease was lost (the email went out anyway).</summary>
    public Task<bool> MarkWelcomeSentAsync(WelcomeClaim claim, CancellationToken ct) =>
        UpdateOwnLeaseAsync(claim, $"SET #sent = :sentAt REMOVE #lease, #lastError, {RemoveOwed}",
            new(OwedNames) { ["#sent"] = Attr.WelcomeSentAt, ["#lastError"] = Attr.WelcomeLastError },
            new() { [":sentAt"] = S(Iso(time.GetUtcNow())) },
            ct);

    /// <summary>Gives the claim back after a failure that may pass; the sweep tries again after the backoff.</summary>
    public Task<bool> RetryWelcomeLaterAsync(WelcomeClaim claim, string reason, CancellationToken ct)
    {
        var due = time.GetUtcNow() + welcome.Value.BackoffAfter(claim.Subscriber.WelcomeAttempts);
        return UpdateOwnLeaseAsync(claim, "SET #due = :due, #lsk = :dueKey, #lastError = :reason REMOVE #lease",
            new() { ["#due"] = Attr.WelcomeDueAt, ["#lsk"] = MyBlogTable.ListSortKey, ["#lastError"] = Attr.WelcomeLastError },
            new()
            {
                [":due"] = N(due.ToUnixTimeMilliseconds()),
                [":dueKey"] = S(SubscriberKeys.DueSortKey(due)),
                [":reason"] = S(Truncate(reason)),
            },
            ct);
    }

    /// <summary>Records a refusal for good (the server rejected the recipient): never retried, until the reader subscribes again.</summary>
    public Task<bool> MarkWelcomeFailedAsync(WelcomeClaim claim, string reason, CancellationToken ct) =>
        UpdateOwnLeaseAsync(claim, $"SET #failedAt = :now, #failure = :reason REMOVE #lease, {RemoveOwed}",
            new(OwedNames) { ["#failedAt"] = Attr.WelcomeFailedAt, ["#failure"] = Attr.WelcomeFailure },
            new() { [":now"] = S(Iso(time.GetUtcNow())), [":reason"] = S(Truncate(reason)) },
            ct);

    /// <summary>Subscribers whose welcome is owed and due now, oldest due first (the sweep's work list).</summary>
    public async Task<IReadOnlyList<string>> DueWelcomesAsync(int limit, CancellationToken ct)
    {
        var ids = new List<string>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await dynamo.QueryAsync(OwedQuery(time.GetUtcNow(), Math.Min(limit - ids.Count, 500), start), ct);
            ids.AddRange((response.Items ?? []).Select(i => SubscriberKeys.IdFromPartitionKey(Str(i, MyBlogTable.PartitionKey))).OfType<string>());
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null && ids.Count < limit);
        return ids;
    }

    /// <summary>How many welcomes are owed, due or not (for operators and tests).</summary>
    public async Task<int> CountOwedWelcomesAsync(CancellationToken ct)
    {
        var count = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var query = OwedQuery(until: null, limit: null, start);
            query.Select = Select.COUNT;
            var response = await dynamo.QueryAsync(query, ct);
            count += response.Count ?? 0;
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return count;
    }

    /// <summary>What the confirm page shows before the reader presses the button; changes nothing.</summary>
    public async Task<ConfirmOutcome> CheckConfirmAsync(string id, string? token, CancellationToken ct)
    {
        var item = await GetAsync(id, ct);
        return item is null ? ConfirmOutcome.Invalid : ConfirmState(item, token);
    }

    public async Task<ConfirmOutcome> ConfirmAsync(string id, string? token, CancellationToken ct)
    {
        var item = await GetAsync(id, ct);
        var state = item is null ? ConfirmOutcome.Invalid : ConfirmState(item, token);
        if (state != ConfirmOutcome.AwaitingConfirmation)
        {
            return state;
        }

        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = Key(id),
                // A welcome owed again (the reader re-subscribed, then used the earlier link) is owed no longer.
                UpdateExpression = $"SET #status = :confirmed, #confirmedAt = :now REMOVE {RemoveOwed}",
                ConditionExpression = "#confirmHash = :hash AND #status = :pending",
                ExpressionAttributeNames = new(OwedNames)
                {
                    ["#status"] = Attr.Status,
                    ["#confirmedAt"] = Attr.ConfirmedAt,
                    ["#confirmHash"] = Attr.ConfirmTokenHash,
                },
                ExpressionAttributeValues = new()
                {
                    [":confirmed"] = S(StatusText(SubscriberStatus.Confirmed)),
                    [":pending"] = S(StatusText(SubscriberStatus.Pending)),
                    [":now"] = S(Iso(time.GetUtcNow())),
                    [":hash"] = S(Str(item!, Attr.ConfirmTokenHash)!),
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

    /// <summary>
    /// A new welcome for the holder of an expired (or still valid) confirm link: the link proves the address, and
    /// the resend interval still applies.
    /// </summary>
    public async Task<ResendOutcome> ResendWelcomeAsync(string id, string? token, CancellationToken ct)
    {
        var item = await GetAsync(id, ct);
        switch (item is null ? ConfirmOutcome.Invalid : ConfirmState(item, token))
        {
            case ConfirmOutcome.Invalid:
                return ResendOutcome.Invalid;
            case ConfirmOutcome.AlreadyConfirmed:
                return ResendOutcome.AlreadyConfirmed;
            case ConfirmOutcome.Unsubscribed:
                return ResendOutcome.Unsubscribed;
        }
        if (item!.ContainsKey(Attr.WelcomeDueAt))
        {
            return ResendOutcome.Sent;
        }
        return await OweWelcomeAgainAsync(id, name: null, traceParent: System.Diagnostics.Activity.Current?.Id,
            confirmTokenHash: Str(item, Attr.ConfirmTokenHash), ct)
            ? ResendOutcome.Sent
            : ResendOutcome.TooSoon;
    }

    /// <summary>Unsubscribes for good; repeating it is harmless. The token stays valid so the link keeps working.</summary>
    public async Task<UnsubscribeOutcome> UnsubscribeAsync(string id, string? token, CancellationToken ct)
    {
        var item = await GetAsync(id, ct);
        if (item is null || !SubscriberToken.Matches(token, Str(item, Attr.UnsubscribeTokenHash)))
        {
            return UnsubscribeOutcome.Invalid;
        }
        return await UnsubscribeItemAsync(id, item, ct);
    }

    private async Task<UnsubscribeOutcome> UnsubscribeItemAsync(string id, Dictionary<string, AttributeValue> item, CancellationToken ct)
    {
        if (ParseStatus(Str(item, Attr.Status)) == SubscriberStatus.Unsubscribed)
        {
            return UnsubscribeOutcome.Unsubscribed;
        }
        await dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(id),
            // Nothing more is owed to someone who left, not even the welcome still waiting to go out.
            UpdateExpression = $"SET #status = :unsubscribed, #at = :now REMOVE {RemoveOwed}",
            ConditionExpression = "attribute_exists(pk)",
            ExpressionAttributeNames = new(OwedNames) { ["#status"] = Attr.Status, ["#at"] = Attr.UnsubscribedAt },
            ExpressionAttributeValues = new()
            {
                [":unsubscribed"] = S(StatusText(SubscriberStatus.Unsubscribed)),
                [":now"] = S(Iso(time.GetUtcNow())),
            },
        }, ct);
        return UnsubscribeOutcome.Unsubscribed;
    }

    /// <summary>
    /// Owes a known, unconfirmed address a fresh welcome: not while one is owed or being sent, and not within the
    /// resend interval of the last one. Status goes back to pending (an unsubscribed reader subscribing again).
    /// </summary>
    private async Task<bool> OweWelcomeAgainAsync(string id, string? name, string? traceParent, string? confirmTokenHash, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var set = new List<string>
        {
            "#status = :pending", "#armed = :now", "#due = :now", "#lpk = :owed", "#lsk = :dueKey", "#attempts = :zero",
        };
        var names = new Dictionary<string, string>(OwedNames)
        {
            ["#status"] = Attr.Status,
            ["#armed"] = Attr.WelcomeArmedAt,
            ["#attempts"] = Attr.WelcomeAttempts,
            ["#lease"] = Attr.WelcomeLeaseUntil,
            ["#sent"] = Attr.WelcomeSentAt,
            ["#failedAt"] = Attr.WelcomeFailedAt,
            ["#failure"] = Attr.WelcomeFailure,
            ["#lastError"] = Attr.WelcomeLastError,
            ["#unsubAt"] = Attr.UnsubscribedAt,
        };
        var values = new Dictionary<string, AttributeValue>
        {
            [":pending"] = S(StatusText(SubscriberStatus.Pending)),
            [":confirmed"] = S(StatusText(SubscriberStatus.Confirmed)),
            [":now"] = N(now.ToUnixTimeMilliseconds()),
            [":owed"] = S(SubscriberKeys.WelcomeOwedList),
            [":dueKey"] = S(SubscriberKeys.DueSortKey(now)),
            [":zero"] = N(0),
            [":cutoff"] = N((now - welcome.Value.ResendInterval).ToUnixTimeMilliseconds()),
        };
        var condition = "attribute_exists(pk) AND #status <> :confirmed AND attribute_not_exists(#due) " +
            "AND (attribute_not_exists(#lease) OR #lease < :now) AND (attribute_not_exists(#armed) OR #armed <= :cutoff)";
        if (name is not null)
        {
            set.Add("#name = :name");
            names["#name"] = Attr.Name;
            values[":name"] = S(name);
        }
        if (traceParent is not null)
        {
            set.Add("#trace = :trace");
            names["#trace"] = Attr.TraceParent;
            values[":trace"] = S(traceParent);
        }
        if (confirmTokenHash is not null)
        {
            condition += " AND #confirmHash = :hash AND #status = :pending";
            names["#confirmHash"] = Attr.ConfirmTokenHash;
            values[":hash"] = S(confirmTokenHash);
        }

        return await TryUpdateAsync(id, $"SET {string.Join(", ", set)} REMOVE #sent, #failedAt, #failure, #lastError, #unsubAt",
            condition, names, values, ct);
    }

    /// <summary>Confirmed or unsubscribed while a welcome was owed: nothing is owed any more (unless pending again meanwhile).</summary>
    private Task<bool> ForgetOwedWelcomeAsync(string id, CancellationToken ct) =>
        TryUpdateAsync(id, $"REMOVE {RemoveOwed}", "#status <> :pending",
            new(OwedNames) { ["#status"] = Attr.Status },
            new() { [":pending"] = S(StatusText(SubscriberStatus.Pending)) }, ct);

    private QueryRequest OwedQuery(DateTimeOffset? until, int? limit, Dictionary<string, AttributeValue>? start)
    {
        var query = new QueryRequest
        {
            TableName = Table,
            IndexName = MyBlogTable.ListIndex,
            KeyConditionExpression = until is null ? "#lpk = :owed" : "#lpk = :owed AND #lsk <= :until",
            ExpressionAttributeNames = until is null
                ? new() { ["#lpk"] = MyBlogTable.ListPartitionKey }
                : new() { ["#lpk"] = MyBlogTable.ListPartitionKey, ["#lsk"] = MyBlogTable.ListSortKey },
            ExpressionAttributeValues = new() { [":owed"] = S(SubscriberKeys.WelcomeOwedList) },
            ExclusiveStartKey = start,
        };
        if (until is { } u)
        {
            query.ExpressionAttributeValues[":until"] = S(SubscriberKeys.DueSortKey(u));
            query.ProjectionExpression = MyBlogTable.PartitionKey;
        }
        if (limit is { } l)
        {
            query.Limit = Math.Max(1, l);
        }
        return query;
    }

    private ConfirmOutcome ConfirmState(Dictionary<string, AttributeValue> item, string? token)
    {
        if (!SubscriberToken.Matches(token, Str(item, Attr.ConfirmTokenHash)))
        {
            return ConfirmOutcome.Invalid;
        }
        switch (ParseStatus(Str(item, Attr.Status)))
        {
            case SubscriberStatus.Unsubscribed:
                return ConfirmOutcome.Unsubscribed;
            case SubscriberStatus.Confirmed:
                return ConfirmOutcome.AlreadyConfirmed;
        }
        return !item.TryGetValue(Attr.ConfirmTokenExpiresAt, out var expires)
            || long.Parse(expires.N, CultureInfo.InvariantCulture) < time.GetUtcNow().ToUnixTimeSeconds()
                ? ConfirmOutcome.Expired
                : ConfirmOutcome.AwaitingConfirmation;
    }

    private Task<bool> UpdateOwnLeaseAsync(
        WelcomeClaim claim, string update, Dictionary<string, string> names, Dictionary<string, AttributeValue> values, CancellationToken ct)
    {
        names["#lease"] = Attr.WelcomeLeaseUntil;
        values[":lease"] = N(claim.LeaseUntil);
        return TryUpdateAsync(claim.Subscriber.Id, update, "#lease = :lease", names, values, ct);
    }

    /// <summary>A conditional update; false (and nothing changed) when the condition does not hold.</summary>
    private Task<bool> TryUpdateAsync(string id, string update, string condition,
        Dictionary<string, string> names, Dictionary<string, AttributeValue> values, CancellationToken ct) =>
        dynamo.TryUpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(id),
            UpdateExpression = update,
            ConditionExpression = condition,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        }, ct);

    /// <summary>
    /// One page of the subscribers a newsletter goes to — confirmed, and not blocked by a bounce or a complaint — and
    /// where the next page starts (null after the last). A scan: the newsletter reads every subscriber once per post,
    /// which an index would not make cheaper, and the planner resumes from the cursor if it is interrupted.
    /// </summary>
    public async Task<(IReadOnlyList<string> Ids, string? Cursor)> ConfirmedPageAsync(string? cursor, CancellationToken ct)
    {
        var response = await dynamo.ScanAsync(new ScanRequest
        {
            TableName = Table,
            ConsistentRead = true,
            Limit = 1000,
            ProjectionExpression = "#pk",
            FilterExpression = "begins_with(#pk, :prefix) AND #sk = :profile AND #status = :confirmed AND attribute_not_exists(#blocked)",
            ExpressionAttributeNames = new()
            {
                ["#pk"] = MyBlogTable.PartitionKey,
                ["#sk"] = MyBlogTable.SortKey,
                ["#status"] = Attr.Status,
                ["#blocked"] = Attr.MailBlocked,
            },
            ExpressionAttributeValues = new()
            {
                [":prefix"] = S(SubscriberKeys.PartitionPrefix),
                [":profile"] = S(SubscriberKeys.ProfileSortKey),
                [":confirmed"] = S(StatusText(SubscriberStatus.Confirmed)),
            },
            ExclusiveStartKey = cursor is null ? null : ScanCursor.Decode(cursor),
        }, ct);
        var ids = response.Items.Select(i => SubscriberKeys.IdFromPartitionKey(Str(i, MyBlogTable.PartitionKey))).OfType<string>().ToList();
        return (ids, response.LastEvaluatedKey is { Count: > 0 } last ? ScanCursor.Encode(last) : null);
    }

    /// <summary>
    /// Stops all mail to an address (a hard bounce, a complaint, a permanent refusal): no welcome, no newsletter,
    /// whatever its status. False when the address is no subscriber's.
    /// </summary>
    public Task<bool> BlockMailAsync(EmailAddress email, string reason, CancellationToken ct) =>
        TryUpdateAsync(SubscriberKeys.IdFor(email), $"SET #blocked = :reason, #blockedAt = :now REMOVE {RemoveOwed}", "attribute_exists(pk)",
            new(OwedNames) { ["#blocked"] = Attr.MailBlocked, ["#blockedAt"] = Attr.MailBlockedAt },
            new() { [":reason"] = S(Truncate(reason)), [":now"] = S(Iso(time.GetUtcNow())) }, ct);

    /// <summary>Unsubscribes without a stored token: the caller checked a signed newsletter link (<see cref="SubscriberLinks"/>).</summary>
    public async Task<UnsubscribeOutcome> UnsubscribeSignedAsync(string id, CancellationToken ct)
    {
        var item = await GetAsync(id, ct);
        return item is null ? UnsubscribeOutcome.Invalid : await UnsubscribeItemAsync(id, item, ct);
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
        DateTimeOffset.TryParse(Str(item, Attr.WelcomeSentAt), CultureInfo.InvariantCulture, out var sent) ? sent : null,
        WelcomeOwed: item.ContainsKey(Attr.WelcomeDueAt),
        WelcomeAttempts: item.TryGetValue(Attr.WelcomeAttempts, out var attempts) ? int.Parse(attempts.N, CultureInfo.InvariantCulture) : 0,
        WelcomeFailure: Str(item, Attr.WelcomeFailure))
    {
        MailBlocked = Str(item, Attr.MailBlocked),
    };

    private static string StatusText(SubscriberStatus status) => status.ToString().ToLowerInvariant();

    private static SubscriberStatus ParseStatus(string? text) =>
        Enum.TryParse<SubscriberStatus>(text, ignoreCase: true, out var status) ? status : SubscriberStatus.Pending;

    private static string Iso(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500];

    private static string? Str(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}

/// <summary>
/// The right to send one welcome email, with the raw tokens for its links (only their hashes are stored), when it
/// was taken (its message must be handed over within the first half of the lease) and the trace it continues.
/// </summary>
public sealed record WelcomeClaim(
    Subscriber Subscriber, DateTimeOffset ClaimedAt, long LeaseUntil, string ConfirmToken, string UnsubscribeToken, string? TraceParent);
