using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;

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
/// falls due again by itself. Nothing that cannot be claimed stays in the index: an item found there with no welcome
/// it may be sent (confirmed, unsubscribed, its mail stopped by a bounce) leaves it on the spot, so the sweep, which
/// reads the oldest due first, is never held up by them.
/// </remarks>
public sealed class SubscriberStore(
    IAmazonDynamoDB dynamo, SubscriberIds ids, IOptions<MyBlogOptions> options, IOptions<WelcomeOptions> welcome, TimeProvider time)
{
    public static readonly TimeSpan ConfirmTokenLifetime = TimeSpan.FromDays(7);

    /// <summary>A mailbox's welcomes back off up to this: at most one a day to an inbox a stranger keeps subscribing.</summary>
    public static readonly TimeSpan MaxMailboxBackoff = TimeSpan.FromDays(1);

    private static readonly ActivitySource Activity = new("MyBlog.Subscribers");

    internal static class SubscriberFields
    {
        public const string Email = "email";
        public const string Name = "name";
        public const string Status = "status";
        public const string SubscribedAt = "subscribedAt";
        public const string TraceParent = "traceparent";
        public const string WelcomeArmedAt = "welcomeArmedAt";
        public const string WelcomeDueAt = "welcomeDueAt";
        public const string WelcomeAttempts = "welcomeAttempts";

        /// <summary>The region whose API made the welcome owed, and so the only one that sends it.</summary>
        public const string WelcomeRegion = "welcomeRegion";

        /// <summary>The region a welcome was owed by before a region that outlived it took it over.</summary>
        public const string WelcomeTakenFrom = "welcomeTakenFrom";
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

        /// <summary>Which subscription this is: raised each time an unsubscribed reader subscribes again (signed links name it).</summary>
        public const string Generation = "generation";

        /// <summary>2 on an item under a keyed id; absent on the first, unkeyed kind.</summary>
        public const string IdVersion = "idv";
        public const string AliasTarget = "target";
        public const string MailboxLastAt = "lastAt";
        public const string MailboxNextAt = "nextAt";
        public const string MailboxStreak = "streak";

        /// <summary>The import that brought the subscriber from another platform's list (its welcome, if owed, is the sweep's).</summary>
        public const string ImportId = "importId";
    }

    /// <summary>The attributes that make a welcome owed; removed together when it no longer is.</summary>
    private const string RemoveOwed = "#due, #lpk, #lsk";

    private static readonly Dictionary<string, string> OwedNames = new()
    {
        ["#due"] = SubscriberFields.WelcomeDueAt,
        ["#lpk"] = MyBlogTable.ListPartitionKey,
        ["#lsk"] = MyBlogTable.ListSortKey,
    };

    private string Table => options.Value.TableName;
    private string? Region => options.Value.Region;
    private string OwedList => SubscriberKeys.WelcomeOwedListFor(Region);

    /// <summary>
    /// Stores a new subscriber with its welcome owed, or owes a known address a fresh welcome when it is still waiting
    /// to be confirmed (the first email got lost) and its mailbox may be sent one. DynamoDB's conditions decide, so two
    /// requests at once owe at most one welcome. An address that unsubscribed is never mailed from the form: only a
    /// link we sent it can bring it back (<see cref="ResubscribeAsync"/>). The answer is the same either way.
    /// </summary>
    public async Task<SubscribeOutcome> AddAsync(NewSubscriber subscriber, string? traceParent, CancellationToken ct)
    {
        using var span = Activity.StartActivity("subscriber.add");
        await MoveFromLegacyIdAsync(subscriber.Email, ct);
        var id = ids.IdFor(subscriber.Email);
        var now = time.GetUtcNow();
        var turn = await MailboxTurnAsync(subscriber.Email, now, ct);
        SubscribeOutcome outcome;
        if (turn is null)
        {
            // The mailbox was sent a welcome too lately (by this address or another spelling of it): nothing new now.
            outcome = await ExistsAsync(id, ct) ? SubscribeOutcome.Unchanged : SubscribeOutcome.Throttled;
        }
        else
        {
            var item = NewItem(id, subscriber, traceParent, now);
            try
            {
                await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
                {
                    TransactItems =
                    [
                        new TransactWriteItem { Put = new Put { TableName = Table, Item = item, ConditionExpression = "attribute_not_exists(pk)" } },
                        turn,
                    ],
                }, ct);
                outcome = SubscribeOutcome.Added;
            }
            catch (TransactionCanceledException ex) when (Failed(ex, 0))
            {
                outcome = await OweWelcomeAgainAsync(id, subscriber.Email, subscriber.Name, traceParent, confirmTokenHash: null, ct)
                    ? SubscribeOutcome.WelcomedAgain
                    : SubscribeOutcome.Unchanged;
            }
            catch (TransactionCanceledException)
            {
                outcome = SubscribeOutcome.Throttled; // another request took the mailbox's turn just now
            }
        }
        span?.SetTag("myblog.subscriber.outcome", outcome.ToString());
        return outcome;
    }

    /// <summary>
    /// Stores a subscriber brought from another platform's list, keeping the consent given there: confirmed there is
    /// confirmed here and owed no welcome; pending is owed one, due at <paramref name="welcomeDue"/> (the importer
    /// spreads them at the pace mail can go, and the sweep sends them — an import never floods the stream's fast
    /// path); unsubscribed, bounced or complained is kept so it is never mailed. An address already here is left as
    /// it is, so importing a file twice changes nothing; a row an earlier run of the same import stored counts as
    /// imported.
    /// </summary>
    public async Task<bool> ImportAsync(ImportedSubscriber row, string importId, DateTimeOffset welcomeDue, CancellationToken ct)
    {
        await MoveFromLegacyIdAsync(row.Email, ct);
        var id = ids.IdFor(row.Email);
        var now = time.GetUtcNow();
        var item = NewItem(id, new NewSubscriber(row.Email, row.Name), traceParent: null, now);
        item[SubscriberFields.SubscribedAt] = S(Iso(row.SubscribedAt ?? now));
        item[SubscriberFields.ImportId] = S(importId);
        var status = row.State switch
        {
            SubscriberState.Confirmed => SubscriberStatus.Confirmed,
            SubscriberState.Unsubscribed => SubscriberStatus.Unsubscribed,
            _ => SubscriberStatus.Pending,
        };
        item[SubscriberFields.Status] = S(StatusText(status));
        item[MyBlogTable.DirectoryPartitionKey] = S(SubscriberKeys.DirectoryPartition(row.State));
        if (row.State == SubscriberState.Pending)
        {
            item[SubscriberFields.WelcomeDueAt] = N(welcomeDue.ToUnixTimeMilliseconds());
            item[MyBlogTable.ListSortKey] = S(SubscriberKeys.DueSortKey(welcomeDue));
        }
        else
        {
            foreach (var owed in new[] { SubscriberFields.WelcomeArmedAt, SubscriberFields.WelcomeDueAt, SubscriberFields.WelcomeRegion,
                         MyBlogTable.ListPartitionKey, MyBlogTable.ListSortKey })
            {
                item.Remove(owed);
            }
        }
        switch (row.State)
        {
            case SubscriberState.Confirmed:
                item[SubscriberFields.ConfirmedAt] = S(Iso(row.ConfirmedAt ?? row.SubscribedAt ?? now));
                break;
            case SubscriberState.Unsubscribed:
                item[SubscriberFields.UnsubscribedAt] = S(Iso(row.UnsubscribedAt ?? now));
                break;
            case SubscriberState.Bounced or SubscriberState.Complained:
                item[SubscriberFields.MailBlocked] = Reason(row.MailBlocked ?? row.State.ToString().ToLowerInvariant());
                item[SubscriberFields.MailBlockedAt] = S(Iso(now));
                break;
        }
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = item,
                ConditionExpression = "attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, ct);
            return true;
        }
        catch (ConditionalCheckFailedException ex)
        {
            return ex.Item?.GetValueOrDefault(SubscriberFields.ImportId)?.S == importId;
        }
    }

    /// <summary>When a welcome owed at <paramref name="now"/> may first be claimed (<see cref="WelcomeOptions.Settle"/>).</summary>
    private DateTimeOffset SettledAt(DateTimeOffset now) => now + welcome.Value.Settle;

    private Dictionary<string, AttributeValue> NewItem(string id, NewSubscriber subscriber, string? traceParent, DateTimeOffset now)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [MyBlogTable.PartitionKey] = S(SubscriberKeys.PartitionKey(id)),
            [MyBlogTable.SortKey] = S(SubscriberKeys.ProfileSortKey),
            [SubscriberFields.Email] = S(subscriber.Email.Value),
            [SubscriberFields.Status] = S(StatusText(SubscriberStatus.Pending)),
            [SubscriberFields.SubscribedAt] = S(Iso(now)),
            [SubscriberFields.WelcomeArmedAt] = N(now.ToUnixTimeMilliseconds()),
            [SubscriberFields.WelcomeDueAt] = N(SettledAt(now).ToUnixTimeMilliseconds()),
            [SubscriberFields.WelcomeAttempts] = N(0),
            [SubscriberFields.IdVersion] = N(2),
            [MyBlogTable.ListPartitionKey] = S(OwedList),
            [MyBlogTable.ListSortKey] = S(SubscriberKeys.DueSortKey(SettledAt(now))),
            [MyBlogTable.DirectoryPartitionKey] = S(SubscriberKeys.DirectoryPartition(SubscriberState.Pending)),
            [MyBlogTable.DirectorySortKey] = S(subscriber.Email.Value),
        };
        if (Region is not null)
        {
            item[SubscriberFields.WelcomeRegion] = S(Region);
        }
        if (subscriber.Name is not null)
        {
            item[SubscriberFields.Name] = S(subscriber.Name);
        }
        if (traceParent is not null)
        {
            item[SubscriberFields.TraceParent] = S(traceParent);
        }
        return item;
    }

    public async Task<Subscriber?> FindAsync(string id, CancellationToken ct) =>
        await GetAsync(id, ct) is var (canonical, item) ? ToSubscriber(canonical, item) : null;

    /// <summary>
    /// Takes the right to send this subscriber's owed welcome: only while it is owed, the subscriber is pending and
    /// nobody holds an unexpired lease (and, for the sweep, once it is due: a failed attempt waits its backoff).
    /// Fresh confirm and unsubscribe tokens are minted in the same write, so the tokens in the email are exactly the
    /// ones stored (hashed). Null: not claimable now — sent, refused, held by another sender, or not due; whatever
    /// is still owed stays in the owed index for the sweep, and an item that can never be sent leaves it.
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
            var request = new UpdateItemRequest
            {
                TableName = Table,
                Key = Key(id),
                // The due time moves to the lease's end: should this holder die, the item falls due again by itself.
                UpdateExpression =
                    "SET #lease = :lease, #due = :lease, #lsk = :leaseKey, #attempts = if_not_exists(#attempts, :zero) + :one, " +
                    "#confirmHash = :confirmHash, #confirmExpires = :confirmExpires, #unsubHash = :unsubHash",
                ConditionExpression =
                    "attribute_exists(#due) AND #status = :pending AND (attribute_not_exists(#lease) OR #lease < :now) AND attribute_not_exists(#blocked)" +
                    (onlyIfDue ? " AND #due <= :now" : "") +
                    // Only the region that owes it sends it; a welcome from before regions, whichever region claims it.
                    (Region is null ? "" : " AND (attribute_not_exists(#region) OR #region = :region)"),
                ExpressionAttributeNames = new()
                {
                    ["#due"] = SubscriberFields.WelcomeDueAt,
                    ["#lsk"] = MyBlogTable.ListSortKey,
                    ["#lease"] = SubscriberFields.WelcomeLeaseUntil,
                    ["#attempts"] = SubscriberFields.WelcomeAttempts,
                    ["#confirmHash"] = SubscriberFields.ConfirmTokenHash,
                    ["#confirmExpires"] = SubscriberFields.ConfirmTokenExpiresAt,
                    ["#unsubHash"] = SubscriberFields.UnsubscribeTokenHash,
                    ["#status"] = SubscriberFields.Status,
                    ["#blocked"] = SubscriberFields.MailBlocked,
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
            };
            if (Region is not null)
            {
                request.ExpressionAttributeNames["#region"] = SubscriberFields.WelcomeRegion;
                request.ExpressionAttributeValues[":region"] = S(Region);
            }
            var response = await dynamo.UpdateItemAsync(request, ct);
            var item = response.Attributes;
            return new WelcomeClaim(ToSubscriber(id, item), now, leaseUntil.ToUnixTimeMilliseconds(),
                confirm.Token, unsubscribe.Token, item.String(SubscriberFields.TraceParent));
        }
        catch (ConditionalCheckFailedException ex)
        {
            // Tidying the owed list is the owning region's write too: two regions writing one item at once would leave
            // only the later whole item (global tables keep the last writer), losing the other's change.
            if (ex.Item is { Count: > 0 } old && old.ContainsKey(SubscriberFields.WelcomeDueAt)
                && (Region is null || old.String(SubscriberFields.WelcomeRegion) is null || old.String(SubscriberFields.WelcomeRegion) == Region)
                && (ParseStatus(old.String(SubscriberFields.Status)) != SubscriberStatus.Pending || old.ContainsKey(SubscriberFields.MailBlocked)))
            {
                // Confirmed, unsubscribed or blocked while a welcome was owed: nothing is owed any more.
                await ForgetOwedWelcomeAsync(id, ct);
            }
            return null;
        }
    }

    /// <summary>
    /// Whether <paramref name="claim"/> is still this region's, read from the table as it is now: with regions, a
    /// claim is acted on only once the table has settled (<see cref="WelcomeOptions.Settle"/>), so that a conflicting
    /// write made in another region at the same moment — the same address subscribing there, a claim there — has
    /// reached this copy, and only the claim that won (global tables keep the last writer) is sent. The wait also
    /// means a welcome is never sent before its claim has reached the other regions: a region lost right after a
    /// send leaves a claim behind, which nobody else takes over (<see cref="TakeOverWelcomesAsync"/>).
    /// </summary>
    public async Task<bool> StillClaimedAsync(WelcomeClaim claim, CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(claim.Subscriber.Id), ConsistentRead = true }, ct);
        var item = response.Item;
        return item is { Count: > 0 }
            && item.GetValueOrDefault(SubscriberFields.WelcomeLeaseUntil)?.N == claim.LeaseUntil.ToString(CultureInfo.InvariantCulture)
            && (Region is null || item.String(SubscriberFields.WelcomeRegion) is null || item.String(SubscriberFields.WelcomeRegion) == Region)
            && ParseStatus(item.String(SubscriberFields.Status)) == SubscriberStatus.Pending
            && !item.ContainsKey(SubscriberFields.WelcomeSentAt);
    }

    /// <summary>Records the send; the welcome is no longer owed. False if the lease was lost (the email went out anyway).</summary>
    public Task<bool> MarkWelcomeSentAsync(WelcomeClaim claim, CancellationToken ct) =>
        UpdateOwnLeaseAsync(claim, $"SET #sent = :sentAt REMOVE #lease, #lastError, {RemoveOwed}",
            new(OwedNames) { ["#sent"] = SubscriberFields.WelcomeSentAt, ["#lastError"] = SubscriberFields.WelcomeLastError },
            new() { [":sentAt"] = S(Iso(time.GetUtcNow())) },
            ct);

    /// <summary>
    /// Gives the claim back after a failure that may pass; the sweep tries again after the backoff, or after
    /// <paramref name="atLeast"/> when the failure says how long to wait (a message the server refused as it is).
    /// </summary>
    public Task<bool> RetryWelcomeLaterAsync(WelcomeClaim claim, string reason, CancellationToken ct, TimeSpan? atLeast = null)
    {
        var backoff = welcome.Value.BackoffAfter(claim.Subscriber.WelcomeAttempts);
        var due = time.GetUtcNow() + (atLeast > backoff ? atLeast.Value : backoff);
        return UpdateOwnLeaseAsync(claim, "SET #due = :due, #lsk = :dueKey, #lastError = :reason REMOVE #lease",
            new() { ["#due"] = SubscriberFields.WelcomeDueAt, ["#lsk"] = MyBlogTable.ListSortKey, ["#lastError"] = SubscriberFields.WelcomeLastError },
            new()
            {
                [":due"] = N(due.ToUnixTimeMilliseconds()),
                [":dueKey"] = S(SubscriberKeys.DueSortKey(due)),
                [":reason"] = Reason(reason),
            },
            ct);
    }

    /// <summary>Records a refusal for good (the server rejected the recipient): never retried, until the reader subscribes again.</summary>
    public Task<bool> MarkWelcomeFailedAsync(WelcomeClaim claim, string reason, CancellationToken ct) =>
        UpdateOwnLeaseAsync(claim, $"SET #failedAt = :now, #failure = :reason REMOVE #lease, {RemoveOwed}",
            new(OwedNames) { ["#failedAt"] = SubscriberFields.WelcomeFailedAt, ["#failure"] = SubscriberFields.WelcomeFailure },
            new() { [":now"] = S(Iso(time.GetUtcNow())), [":reason"] = Reason(reason) },
            ct);

    /// <summary>Subscribers whose welcome is owed and due now, oldest due first (the sweep's work list).</summary>
    public async Task<IReadOnlyList<string>> DueWelcomesAsync(int limit, CancellationToken ct)
    {
        var found = new List<string>();
        foreach (var list in OwedLists)
        {
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var response = await dynamo.QueryAsync(OwedQuery(list, time.GetUtcNow(), Math.Min(limit - found.Count, 500), start), ct);
                found.AddRange((response.Items ?? []).Select(i => SubscriberKeys.IdFromPartitionKey(i.String(MyBlogTable.PartitionKey))).OfType<string>());
                start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
            }
            while (start is not null && found.Count < limit);
        }
        return found;
    }

    /// <summary>
    /// Takes over the welcomes <paramref name="lostRegion"/> owes (it has been silent for the handover time): each
    /// subscriber of its owed list becomes this region's to welcome, in its owed list, with where it came from. The
    /// one write to a subscriber a region makes for another region, made only once that region is lost: the owner is
    /// not writing it any more, and on its return it stays quiet until this write has reached it. A claim the lost
    /// region held is left to it: that region may have sent it (a claim reaches the other regions before its email
    /// goes), and only that region knows — it is delivered, once, when that region comes back.
    /// </summary>
    /// <returns>How many it took.</returns>
    public async Task<int> TakeOverWelcomesAsync(string lostRegion, int limit, CancellationToken ct)
    {
        if (Region is null || lostRegion == Region)
        {
            return 0;
        }
        var lostList = SubscriberKeys.WelcomeOwedListFor(lostRegion);
        var taken = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(OwedQuery(lostList, until: null, limit: Math.Min(limit - taken, 500), start), ct);
            foreach (var id in (page.Items ?? []).Select(i => SubscriberKeys.IdFromPartitionKey(i.String(MyBlogTable.PartitionKey))).OfType<string>())
            {
                // One transaction with the condition that the region is still lost as this copy shows it: a sweep that
                // judged it lost a moment ago takes nothing once the region's return has reached this copy.
                var took = await dynamo.TryTransactAsync(
                [
                    Regions.RegionPresence.StillLost(Table, lostRegion, time.GetUtcNow() - welcome.Value.HandoverAfter),
                    Transactions.Update(Table, Key(id),
                        "SET #region = :me, #lpk = :mine, #from = :lost",
                        new()
                        {
                            ["#region"] = SubscriberFields.WelcomeRegion,
                            ["#lpk"] = MyBlogTable.ListPartitionKey,
                            ["#from"] = SubscriberFields.WelcomeTakenFrom,
                            ["#due"] = SubscriberFields.WelcomeDueAt,
                            ["#lease"] = SubscriberFields.WelcomeLeaseUntil,
                        },
                        new()
                        {
                            [":me"] = S(Region),
                            [":mine"] = S(OwedList),
                            [":lost"] = S(lostRegion),
                            [":lostList"] = S(lostList),
                        },
                        condition: "attribute_exists(#due) AND #region = :lost AND #lpk = :lostList AND attribute_not_exists(#lease)"),
                ], ct);
                taken += took ? 1 : 0;
            }
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null && taken < limit);
        return taken;
    }

    /// <summary>How many welcomes are owed, due or not (for operators and tests).</summary>
    public async Task<int> CountOwedWelcomesAsync(CancellationToken ct)
    {
        var count = 0;
        foreach (var list in OwedLists)
        {
            count += await dynamo.CountAllAsync(OwedQuery(list, until: null, limit: null, start: null), ct);
        }
        return count;
    }

    /// <summary>What the confirm page shows before the reader presses the button; changes nothing.</summary>
    public async Task<ConfirmOutcome> CheckConfirmAsync(string id, string? token, CancellationToken ct) =>
        await GetAsync(id, ct) is var (_, item) ? ConfirmState(item, token) : ConfirmOutcome.Invalid;

    public async Task<ConfirmOutcome> ConfirmAsync(string id, string? token, CancellationToken ct)
    {
        if (await GetAsync(id, ct) is not var (canonical, item))
        {
            return ConfirmOutcome.Invalid;
        }
        var state = ConfirmState(item, token);
        if (state != ConfirmOutcome.AwaitingConfirmation)
        {
            return state;
        }

        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = Key(canonical),
                // A welcome owed again (the reader re-subscribed, then used the earlier link) is owed no longer.
                UpdateExpression = $"SET #status = :confirmed, #confirmedAt = :now, #dpk = :filed REMOVE {RemoveOwed}",
                ConditionExpression = "#confirmHash = :hash AND #status = :pending",
                ExpressionAttributeNames = new(OwedNames)
                {
                    ["#dpk"] = MyBlogTable.DirectoryPartitionKey,
                    ["#status"] = SubscriberFields.Status,
                    ["#confirmedAt"] = SubscriberFields.ConfirmedAt,
                    ["#confirmHash"] = SubscriberFields.ConfirmTokenHash,
                },
                ExpressionAttributeValues = new()
                {
                    [":confirmed"] = S(StatusText(SubscriberStatus.Confirmed)),
                    [":pending"] = S(StatusText(SubscriberStatus.Pending)),
                    [":now"] = S(Iso(time.GetUtcNow())),
                    [":hash"] = S(item.String(SubscriberFields.ConfirmTokenHash)!),
                    [":filed"] = Filed(SubscriberStatus.Confirmed, item),
                },
            }, ct);
            return ConfirmOutcome.Confirmed;
        }
        catch (ConditionalCheckFailedException)
        {
            // Someone used the link (or unsubscribed) between our read and write: report what is true now.
            var current = await FindAsync(canonical, ct);
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
    /// the mailbox's limit still applies.
    /// </summary>
    public async Task<ResendOutcome> ResendWelcomeAsync(string id, string? token, CancellationToken ct)
    {
        if (await GetAsync(id, ct) is not var (canonical, item))
        {
            return ResendOutcome.Invalid;
        }
        switch (ConfirmState(item, token))
        {
            case ConfirmOutcome.Invalid:
                return ResendOutcome.Invalid;
            case ConfirmOutcome.AlreadyConfirmed:
                return ResendOutcome.AlreadyConfirmed;
            case ConfirmOutcome.Unsubscribed:
                return ResendOutcome.Unsubscribed;
        }
        if (item.ContainsKey(SubscriberFields.WelcomeDueAt))
        {
            return ResendOutcome.Sent;
        }
        if (!EmailAddress.TryParse(item.String(SubscriberFields.Email), out var email, out _))
        {
            return ResendOutcome.Invalid;
        }
        return await OweWelcomeAgainAsync(canonical, email, name: null, traceParent: System.Diagnostics.Activity.Current?.Id,
            confirmTokenHash: item.String(SubscriberFields.ConfirmTokenHash), ct)
            ? ResendOutcome.Sent
            : ResendOutcome.TooSoon;
    }

    /// <summary>Unsubscribes for good with a welcome email's link (its token is stored, hashed); repeating it is harmless.</summary>
    public async Task<UnsubscribeOutcome> UnsubscribeAsync(string id, string? token, CancellationToken ct)
    {
        if (await GetAsync(id, ct) is not var (canonical, item) || !SubscriberToken.Matches(token, item.String(SubscriberFields.UnsubscribeTokenHash)))
        {
            return UnsubscribeOutcome.Invalid;
        }
        return await UnsubscribeItemAsync(canonical, item, generation: null, ct);
    }

    /// <summary>
    /// Unsubscribes with a newsletter's signed link (<see cref="SubscriberLinks"/>), made for subscription
    /// <paramref name="generation"/>: a link from before the reader last subscribed again does nothing.
    /// </summary>
    public async Task<UnsubscribeOutcome> UnsubscribeSignedAsync(string id, int generation, CancellationToken ct)
    {
        if (await GetAsync(id, ct) is not var (canonical, item) || GenerationOf(item) != generation)
        {
            return UnsubscribeOutcome.Invalid;
        }
        return await UnsubscribeItemAsync(canonical, item, generation, ct);
    }

    private async Task<UnsubscribeOutcome> UnsubscribeItemAsync(string id, Dictionary<string, AttributeValue> item, int? generation, CancellationToken ct)
    {
        if (ParseStatus(item.String(SubscriberFields.Status)) == SubscriberStatus.Unsubscribed)
        {
            return UnsubscribeOutcome.Unsubscribed;
        }
        var names = new Dictionary<string, string>(OwedNames)
        {
            ["#status"] = SubscriberFields.Status, ["#at"] = SubscriberFields.UnsubscribedAt, ["#dpk"] = MyBlogTable.DirectoryPartitionKey,
        };
        var values = new Dictionary<string, AttributeValue>
        {
            [":unsubscribed"] = S(StatusText(SubscriberStatus.Unsubscribed)),
            [":now"] = S(Iso(time.GetUtcNow())),
            [":filed"] = Filed(SubscriberStatus.Unsubscribed, item),
        };
        var condition = "attribute_exists(pk)";
        if (generation is { } g)
        {
            condition += g == 0 ? " AND attribute_not_exists(#generation)" : " AND #generation = :generation";
            names["#generation"] = SubscriberFields.Generation;
            if (g != 0)
            {
                values[":generation"] = N(g);
            }
        }
        // Nothing more is owed to someone who left, not even the welcome still waiting to go out.
        return await TryUpdateAsync(id, $"SET #status = :unsubscribed, #at = :now, #dpk = :filed REMOVE {RemoveOwed}", condition, names, values, ct)
            ? UnsubscribeOutcome.Unsubscribed
            : UnsubscribeOutcome.Invalid;
    }

    /// <summary>
    /// Subscribes again from a link we sent the address (the unsubscribe link of a welcome or a newsletter, whose
    /// token the caller checked): the reader acts from their own inbox, so the subscription is confirmed at once. It
    /// is a new subscription: the links of the one before no longer end it.
    /// </summary>
    /// <param name="generation">For a newsletter's signed link, the subscription it was made for; null for a welcome's stored token.</param>
    public async Task<ResubscribeOutcome> ResubscribeAsync(string id, string? token, int? generation, CancellationToken ct)
    {
        if (await GetAsync(id, ct) is not var (canonical, item))
        {
            return ResubscribeOutcome.Invalid;
        }
        var proven = generation is { } g ? GenerationOf(item) == g : SubscriberToken.Matches(token, item.String(SubscriberFields.UnsubscribeTokenHash));
        if (!proven)
        {
            return ResubscribeOutcome.Invalid;
        }
        if (ParseStatus(item.String(SubscriberFields.Status)) != SubscriberStatus.Unsubscribed)
        {
            return ResubscribeOutcome.AlreadySubscribed;
        }
        var resubscribed = await TryUpdateAsync(canonical,
            "SET #status = :confirmed, #confirmedAt = :now, #generation = if_not_exists(#generation, :zero) + :one, #dpk = :filed REMOVE #unsubAt",
            "#status = :unsubscribed",
            new()
            {
                ["#status"] = SubscriberFields.Status, ["#confirmedAt"] = SubscriberFields.ConfirmedAt, ["#generation"] = SubscriberFields.Generation,
                ["#unsubAt"] = SubscriberFields.UnsubscribedAt, ["#dpk"] = MyBlogTable.DirectoryPartitionKey,
            },
            new()
            {
                [":filed"] = Filed(SubscriberStatus.Confirmed, item),
                [":confirmed"] = S(StatusText(SubscriberStatus.Confirmed)),
                [":unsubscribed"] = S(StatusText(SubscriberStatus.Unsubscribed)),
                [":now"] = S(Iso(time.GetUtcNow())),
                [":zero"] = N(0),
                [":one"] = N(1),
            }, ct);
        return resubscribed ? ResubscribeOutcome.Resubscribed : ResubscribeOutcome.AlreadySubscribed;
    }

    /// <summary>
    /// Owes a known address still waiting to be confirmed a fresh welcome: not while one is owed or being sent, not
    /// to an address whose mail is stopped, and only when its mailbox may be sent one (<see cref="MailboxTurnAsync"/>).
    /// </summary>
    private async Task<bool> OweWelcomeAgainAsync(
        string id, EmailAddress email, string? name, string? traceParent, string? confirmTokenHash, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await MailboxTurnAsync(email, now, ct) is not { } turn)
        {
            return false;
        }
        var set = new List<string>
        {
            "#armed = :now", "#due = :due", "#lpk = :owed", "#lsk = :dueKey", "#attempts = :zero",
        };
        var names = new Dictionary<string, string>(OwedNames)
        {
            ["#status"] = SubscriberFields.Status,
            ["#armed"] = SubscriberFields.WelcomeArmedAt,
            ["#attempts"] = SubscriberFields.WelcomeAttempts,
            ["#lease"] = SubscriberFields.WelcomeLeaseUntil,
            ["#sent"] = SubscriberFields.WelcomeSentAt,
            ["#failedAt"] = SubscriberFields.WelcomeFailedAt,
            ["#failure"] = SubscriberFields.WelcomeFailure,
            ["#lastError"] = SubscriberFields.WelcomeLastError,
            ["#blocked"] = SubscriberFields.MailBlocked,
        };
        var values = new Dictionary<string, AttributeValue>
        {
            [":pending"] = S(StatusText(SubscriberStatus.Pending)),
            [":now"] = N(now.ToUnixTimeMilliseconds()),
            [":due"] = N(SettledAt(now).ToUnixTimeMilliseconds()),
            [":owed"] = S(OwedList),
            [":dueKey"] = S(SubscriberKeys.DueSortKey(SettledAt(now))),
            [":zero"] = N(0),
        };
        if (Region is not null)
        {
            // The region that owes it again sends it.
            set.Add("#region = :region");
            names["#region"] = SubscriberFields.WelcomeRegion;
            values[":region"] = S(Region);
        }
        var condition = "attribute_exists(pk) AND #status = :pending AND attribute_not_exists(#due) AND attribute_not_exists(#blocked) " +
            "AND (attribute_not_exists(#lease) OR #lease < :now)";
        if (name is not null)
        {
            set.Add("#name = :name");
            names["#name"] = SubscriberFields.Name;
            values[":name"] = S(name);
        }
        if (traceParent is not null)
        {
            set.Add("#trace = :trace");
            names["#trace"] = SubscriberFields.TraceParent;
            values[":trace"] = S(traceParent);
        }
        if (confirmTokenHash is not null)
        {
            condition += " AND #confirmHash = :hash";
            names["#confirmHash"] = SubscriberFields.ConfirmTokenHash;
            values[":hash"] = S(confirmTokenHash);
        }
        return await dynamo.TryTransactAsync(
        [
            Transactions.Update(Table, Key(id), $"SET {string.Join(", ", set)} REMOVE #sent, #failedAt, #failure, #lastError", names, values, condition),
            turn,
        ], ct);
    }

    /// <summary>
    /// The write that takes the mailbox's turn for one welcome, or null when it has none now. Every spelling of one
    /// inbox (<see cref="SubscriberIds.MailboxFor"/>) shares the turn; after a welcome the next waits the resend
    /// interval, then twice that, and so on up to <see cref="MaxMailboxBackoff"/>, starting over after a quiet day —
    /// so a stranger who keeps subscribing someone's inbox gets it a handful of emails, not one every ten minutes.
    /// The write is conditional on the state read, so two requests at once take one turn.
    /// </summary>
    private async Task<TransactWriteItem?> MailboxTurnAsync(EmailAddress email, DateTimeOffset now, CancellationToken ct)
    {
        var key = new Dictionary<string, AttributeValue>
        {
            [MyBlogTable.PartitionKey] = S(SubscriberKeys.MailboxPrefix + ids.MailboxFor(email)),
            [MyBlogTable.SortKey] = S(SubscriberKeys.MailboxSortKey),
        };
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = key, ConsistentRead = true }, ct);
        var seen = response.IsItemSet && response.Item.Count > 0 ? response.Item : null;
        var nowMs = now.ToUnixTimeMilliseconds();
        long Number(string name) => seen?.TryGetValue(name, out var v) == true ? long.Parse(v.N, CultureInfo.InvariantCulture) : 0;
        if (seen is not null && Number(SubscriberFields.MailboxNextAt) > nowMs)
        {
            return null;
        }
        var streak = seen is null || nowMs - Number(SubscriberFields.MailboxLastAt) > MaxMailboxBackoff.TotalMilliseconds ? 1 : Number(SubscriberFields.MailboxStreak) + 1;
        var wait = Math.Min(welcome.Value.ResendInterval.TotalMilliseconds * Math.Pow(2, Math.Min(streak - 1, 30)), MaxMailboxBackoff.TotalMilliseconds);
        var item = new Dictionary<string, AttributeValue>(key)
        {
            [SubscriberFields.MailboxLastAt] = N(nowMs),
            [SubscriberFields.MailboxNextAt] = N(nowMs + (long)wait),
            [SubscriberFields.MailboxStreak] = N(streak),
        };
        return new TransactWriteItem
        {
            Put = seen is null
                ? new Put { TableName = Table, Item = item, ConditionExpression = "attribute_not_exists(pk)" }
                : new Put
                {
                    TableName = Table,
                    Item = item,
                    ConditionExpression = "#next = :seen",
                    ExpressionAttributeNames = new() { ["#next"] = SubscriberFields.MailboxNextAt },
                    ExpressionAttributeValues = new() { [":seen"] = seen[SubscriberFields.MailboxNextAt] },
                },
        };
    }

    /// <summary>Confirmed, unsubscribed or blocked while a welcome was owed: nothing is owed any more (unless pending and unblocked again meanwhile).</summary>
    private Task<bool> ForgetOwedWelcomeAsync(string id, CancellationToken ct) =>
        TryUpdateAsync(id, $"REMOVE {RemoveOwed}", "#status <> :pending OR attribute_exists(#blocked)",
            new(OwedNames) { ["#status"] = SubscriberFields.Status, ["#blocked"] = SubscriberFields.MailBlocked },
            new() { [":pending"] = S(StatusText(SubscriberStatus.Pending)) }, ct);

    /// <summary>
    /// The owed lists this region sweeps: its own, and the one list of welcomes owed before regions were told apart
    /// (a deployment that adds a region after running in one drains those with either).
    /// </summary>
    private IEnumerable<string> OwedLists => Region is null ? [SubscriberKeys.WelcomeOwedList] : [OwedList, SubscriberKeys.WelcomeOwedList];

    private QueryRequest OwedQuery(string list, DateTimeOffset? until, int? limit, Dictionary<string, AttributeValue>? start)
    {
        var query = new QueryRequest
        {
            TableName = Table,
            IndexName = MyBlogTable.ListIndex,
            KeyConditionExpression = until is null ? "#lpk = :owed" : "#lpk = :owed AND #lsk <= :until",
            ExpressionAttributeNames = until is null
                ? new() { ["#lpk"] = MyBlogTable.ListPartitionKey }
                : new() { ["#lpk"] = MyBlogTable.ListPartitionKey, ["#lsk"] = MyBlogTable.ListSortKey },
            ExpressionAttributeValues = new() { [":owed"] = S(list) },
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
        if (!SubscriberToken.Matches(token, item.String(SubscriberFields.ConfirmTokenHash)))
        {
            return ConfirmOutcome.Invalid;
        }
        switch (ParseStatus(item.String(SubscriberFields.Status)))
        {
            case SubscriberStatus.Unsubscribed:
                return ConfirmOutcome.Unsubscribed;
            case SubscriberStatus.Confirmed:
                return ConfirmOutcome.AlreadyConfirmed;
        }
        return !item.TryGetValue(SubscriberFields.ConfirmTokenExpiresAt, out var expires)
            || long.Parse(expires.N, CultureInfo.InvariantCulture) < time.GetUtcNow().ToUnixTimeSeconds()
                ? ConfirmOutcome.Expired
                : ConfirmOutcome.AwaitingConfirmation;
    }

    private Task<bool> UpdateOwnLeaseAsync(
        WelcomeClaim claim, string update, Dictionary<string, string> names, Dictionary<string, AttributeValue> values, CancellationToken ct)
    {
        names["#lease"] = SubscriberFields.WelcomeLeaseUntil;
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
                ["#status"] = SubscriberFields.Status,
                ["#blocked"] = SubscriberFields.MailBlocked,
            },
            ExpressionAttributeValues = new()
            {
                [":prefix"] = S(SubscriberKeys.PartitionPrefix),
                [":profile"] = S(SubscriberKeys.ProfileSortKey),
                [":confirmed"] = S(StatusText(SubscriberStatus.Confirmed)),
            },
            ExclusiveStartKey = cursor is null ? null : ScanCursor.Decode(cursor),
        }, ct);
        var found = response.Items.Select(i => SubscriberKeys.IdFromPartitionKey(i.String(MyBlogTable.PartitionKey))).OfType<string>().ToList();
        return (found, response.LastEvaluatedKey is { Count: > 0 } last ? ScanCursor.Encode(last) : null);
    }

    /// <summary>
    /// Stops all mail to an address (a hard bounce, a complaint, a permanent refusal): no welcome, no newsletter,
    /// whatever its status. False when the address is no subscriber's.
    /// </summary>
    public async Task<bool> BlockMailAsync(EmailAddress email, string reason, CancellationToken ct)
    {
        await MoveFromLegacyIdAsync(email, ct);
        return await TryUpdateAsync(ids.IdFor(email), $"SET #blocked = :reason, #blockedAt = :now, #dpk = :filed REMOVE {RemoveOwed}", "attribute_exists(pk)",
            new(OwedNames) { ["#blocked"] = SubscriberFields.MailBlocked, ["#blockedAt"] = SubscriberFields.MailBlockedAt, ["#dpk"] = MyBlogTable.DirectoryPartitionKey },
            new()
            {
                [":reason"] = Reason(reason),
                [":now"] = S(Iso(time.GetUtcNow())),
                [":filed"] = S(SubscriberKeys.DirectoryPartition(SubscriberStates.Of(SubscriberStatus.Pending, reason))),
            }, ct);
    }

    /// <summary>
    /// The subscriber an id names, with its id as the table keys it now: an id of the first, unkeyed kind (in a link
    /// sent before the move) leads through its alias to the subscriber's keyed id.
    /// </summary>
    private async Task<(string Id, Dictionary<string, AttributeValue> Item)?> GetAsync(string id, CancellationToken ct)
    {
        if (!SubscriberKeys.IsValidId(id))
        {
            return null;
        }
        if (await GetItemAsync(Key(id), ct) is { } item)
        {
            return (id, item);
        }
        var alias = await GetItemAsync(AliasKey(id), ct);
        return alias?.GetValueOrDefault(SubscriberFields.AliasTarget)?.S is { } target && SubscriberKeys.IsValidId(target)
            && await GetItemAsync(Key(target), ct) is { } moved
                ? (target, moved)
                : null;
    }

    private async Task<bool> ExistsAsync(string id, CancellationToken ct) => await GetItemAsync(Key(id), ct) is not null;

    private async Task<Dictionary<string, AttributeValue>?> GetItemAsync(Dictionary<string, AttributeValue> key, CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = key, ConsistentRead = true }, ct);
        return response.IsItemSet && response.Item.Count > 0 ? response.Item : null;
    }

    // --- moving subscribers from the first, unkeyed ids (a plain hash of the address) to keyed ones ---

    /// <summary>When the moving was last seen unfinished (it is read again after a minute); null once it is finished.</summary>
    private DateTimeOffset? _legacyCheckedAt = DateTimeOffset.MinValue;

    /// <summary>
    /// Moves the subscriber of <paramref name="email"/> to its keyed id now, should it still be under the first kind
    /// (until <see cref="MoveLegacyPageAsync"/> has moved them all), so that nothing is written under a keyed id beside it.
    /// </summary>
    private async Task MoveFromLegacyIdAsync(EmailAddress email, CancellationToken ct)
    {
        if (_legacyCheckedAt is null)
        {
            return;
        }
        if (time.GetUtcNow() - _legacyCheckedAt > TimeSpan.FromMinutes(1))
        {
            var state = await GetItemAsync(MigrationKey(), ct);
            _legacyCheckedAt = state?.GetValueOrDefault("done")?.BOOL == true ? null : time.GetUtcNow();
            if (_legacyCheckedAt is null)
            {
                return;
            }
        }
        var legacyId = SubscriberIds.LegacyIdFor(email);
        if (await GetItemAsync(Key(legacyId), ct) is { } item && !item.ContainsKey(SubscriberFields.IdVersion))
        {
            await MoveAsync(legacyId, item, ct);
        }
    }

    /// <summary>
    /// Moves one subscriber from its unkeyed id to its keyed one, in one transaction: the item under its new key, the
    /// old one deleted, an alias from the old id (for links already sent). Not while a welcome send holds it: its
    /// record would miss the moved item and the welcome go out twice; the next run moves it. False when not moved now.
    /// </summary>
    private async Task<bool> MoveAsync(string legacyId, Dictionary<string, AttributeValue> item, CancellationToken ct)
    {
        if (!EmailAddress.TryParse(item.String(SubscriberFields.Email), out var email, out _))
        {
            return false;
        }
        var id = ids.IdFor(email);
        var now = N(time.GetUtcNow().ToUnixTimeMilliseconds());
        var moved = new Dictionary<string, AttributeValue>(item)
        {
            [MyBlogTable.PartitionKey] = S(SubscriberKeys.PartitionKey(id)),
            [SubscriberFields.IdVersion] = N(2),
            [MyBlogTable.DirectoryPartitionKey] = Filed(ParseStatus(item.String(SubscriberFields.Status)), item),
            [MyBlogTable.DirectorySortKey] = S(email.Value),
        };
        var deleteLegacy = new TransactWriteItem
        {
            Delete = new Delete
            {
                TableName = Table,
                Key = Key(legacyId),
                ConditionExpression = "attribute_exists(pk) AND attribute_not_exists(#idv) AND (attribute_not_exists(#lease) OR #lease < :now)",
                ExpressionAttributeNames = new() { ["#idv"] = SubscriberFields.IdVersion, ["#lease"] = SubscriberFields.WelcomeLeaseUntil },
                ExpressionAttributeValues = new() { [":now"] = now },
            },
        };
        var alias = new TransactWriteItem
        {
            Put = new Put
            {
                TableName = Table,
                Item = new Dictionary<string, AttributeValue>(AliasKey(legacyId)) { [SubscriberFields.AliasTarget] = S(id) },
            },
        };
        var put = new TransactWriteItem { Put = new Put { TableName = Table, Item = moved, ConditionExpression = "attribute_not_exists(pk)" } };
        try
        {
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [put, deleteLegacy, alias] }, ct);
            return true;
        }
        catch (TransactionCanceledException ex) when (Failed(ex, 0) && !Failed(ex, 1))
        {
            // Already under its keyed id (subscribed again meanwhile): that, the newer, stays; the old one goes.
            try
            {
                await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [deleteLegacy, alias] }, ct);
                return true;
            }
            catch (TransactionCanceledException)
            {
                return false;
            }
        }
        catch (TransactionCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Moves the next subscribers still under unkeyed ids, from where the last run stopped, until
    /// <paramref name="stopBy"/>; records when none is left (then every later call returns at once).
    /// </summary>
    public async Task<SubscriberMoveResult> MoveLegacyPageAsync(DateTimeOffset stopBy, CancellationToken ct)
    {
        var state = await GetItemAsync(MigrationKey(), ct);
        if (state?.GetValueOrDefault("done")?.BOOL == true)
        {
            return new SubscriberMoveResult(0, 0, Finished: true);
        }
        var cursor = state?.GetValueOrDefault("cursor")?.S;
        int moved = 0, waiting = 0;
        do
        {
            var response = await dynamo.ScanAsync(new ScanRequest
            {
                TableName = Table,
                ConsistentRead = true,
                Limit = 500,
                FilterExpression = "begins_with(#pk, :prefix) AND #sk = :profile AND attribute_not_exists(#idv)",
                ExpressionAttributeNames = new() { ["#pk"] = MyBlogTable.PartitionKey, ["#sk"] = MyBlogTable.SortKey, ["#idv"] = SubscriberFields.IdVersion },
                ExpressionAttributeValues = new() { [":prefix"] = S(SubscriberKeys.PartitionPrefix), [":profile"] = S(SubscriberKeys.ProfileSortKey) },
                ExclusiveStartKey = cursor is null ? null : ScanCursor.Decode(cursor),
            }, ct);
            foreach (var item in response.Items ?? [])
            {
                if (SubscriberKeys.IdFromPartitionKey(item.String(MyBlogTable.PartitionKey)) is { } legacyId)
                {
                    _ = await MoveAsync(legacyId, item, ct) ? moved++ : waiting++;
                }
            }
            // A page with one left waiting (a live send holds it) is scanned again next time.
            cursor = waiting > 0 ? cursor : response.LastEvaluatedKey is { Count: > 0 } last ? ScanCursor.Encode(last) : null;
            var finished = cursor is null && waiting == 0;
            var record = new Dictionary<string, AttributeValue>(MigrationKey()) { ["done"] = new() { BOOL = finished } };
            if (cursor is not null)
            {
                record["cursor"] = S(cursor);
            }
            await dynamo.PutItemAsync(new PutItemRequest { TableName = Table, Item = record }, ct);
            if (finished || waiting > 0)
            {
                return new SubscriberMoveResult(moved, waiting, finished);
            }
        }
        while (time.GetUtcNow() < stopBy);
        return new SubscriberMoveResult(moved, waiting, Finished: false);
    }

    private static Dictionary<string, AttributeValue> MigrationKey() => ItemKey(SubscriberKeys.MigrationPartitionKey, SubscriberKeys.MigrationSortKey);

    private Dictionary<string, AttributeValue> AliasKey(string legacyId) => ItemKey(SubscriberKeys.AliasPrefix + ids.AliasFor(legacyId), SubscriberKeys.AliasSortKey);

    private static Dictionary<string, AttributeValue> Key(string id) => ItemKey(SubscriberKeys.PartitionKey(id), SubscriberKeys.ProfileSortKey);

    /// <summary>Whether the transaction's write at <paramref name="index"/> failed its condition.</summary>
    private static bool Failed(TransactionCanceledException ex, int index) =>
        ex.CancellationReasons is { } reasons && reasons.Count > index && reasons[index].Code == "ConditionalCheckFailed";

    private static int GenerationOf(Dictionary<string, AttributeValue> item) => item.Int(SubscriberFields.Generation) ?? 0;

    private static Subscriber ToSubscriber(string id, Dictionary<string, AttributeValue> item) => new(
        id,
        item.String(SubscriberFields.Email) ?? "",
        item.String(SubscriberFields.Name),
        ParseStatus(item.String(SubscriberFields.Status)),
        DateTimeOffset.TryParse(item.String(SubscriberFields.SubscribedAt), CultureInfo.InvariantCulture, out var at) ? at : DateTimeOffset.MinValue,
        DateTimeOffset.TryParse(item.String(SubscriberFields.WelcomeSentAt), CultureInfo.InvariantCulture, out var sent) ? sent : null,
        WelcomeOwed: item.ContainsKey(SubscriberFields.WelcomeDueAt),
        WelcomeAttempts: item.Int(SubscriberFields.WelcomeAttempts) ?? 0,
        WelcomeFailure: item.String(SubscriberFields.WelcomeFailure))
    {
        MailBlocked = item.String(SubscriberFields.MailBlocked),
        Generation = GenerationOf(item),
    };

    /// <summary>Where a subscriber stored as <paramref name="item"/> is filed in the directory once its status is <paramref name="status"/>.</summary>
    private static AttributeValue Filed(SubscriberStatus status, IReadOnlyDictionary<string, AttributeValue> item) =>
        S(SubscriberKeys.DirectoryPartition(status, item.String(SubscriberFields.MailBlocked)));

    private static string StatusText(SubscriberStatus status) => status.ToString().ToLowerInvariant();

    private static SubscriberStatus ParseStatus(string? text) =>
        Enum.TryParse<SubscriberStatus>(text, ignoreCase: true, out var status) ? status : SubscriberStatus.Pending;

}

/// <summary>
/// The right to send one welcome email, with the raw tokens for its links (only their hashes are stored), when it
/// was taken (its message must be handed over within the first half of the lease) and the trace it continues.
/// </summary>
public sealed record WelcomeClaim(
    Subscriber Subscriber, DateTimeOffset ClaimedAt, long LeaseUntil, string ConfirmToken, string UnsubscribeToken, string? TraceParent);

/// <summary>What one run of moving subscribers to keyed ids did; <paramref name="Finished"/> once none is left.</summary>
public sealed record SubscriberMoveResult(int Moved, int Waiting, bool Finished);
