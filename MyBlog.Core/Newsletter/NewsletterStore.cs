using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Core.Newsletter;

/// <summary>
/// One message on the newsletter queue: a post and up to <see cref="NewsletterStore.BatchSize"/> recipients (by
/// subscriber id), or a test copy for the author.
/// </summary>
/// <param name="Job">The send job (<see cref="Posts.Post.NewsletterJob"/>); absent in batches queued before jobs had ids of their own: the slug.</param>
public sealed record NewsletterBatch(
    [property: JsonPropertyName("slug")] string Slug,
    [property: JsonPropertyName("recipients")] IReadOnlyList<string>? Recipients,
    [property: JsonPropertyName("test")] bool Test = false,
    [property: JsonPropertyName("traceparent")] string? TraceParent = null,
    [property: JsonPropertyName("job")] string? Job = null)
{
    [JsonIgnore]
    public string JobId => Job ?? Slug;

    public string ToJson() => JsonSerializer.Serialize(this, NewsletterJson.Default.NewsletterBatch);

    /// <summary>The batch in a message body, or null when the body is not one.</summary>
    public static NewsletterBatch? TryParse(string? body)
    {
        try
        {
            return body is null ? null : JsonSerializer.Deserialize(body, NewsletterJson.Default.NewsletterBatch) is { Slug.Length: > 0 } batch ? batch : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(NewsletterBatch))]
internal sealed partial class NewsletterJson : JsonSerializerContext;

/// <summary>Where a job's planning stands (<see cref="NewsletterStore.GetPlanAsync"/>).</summary>
/// <param name="OwnedElsewhere">
/// The job was made by another region's stack (a global table carries it to every region): that region plans and sends
/// it, and no other, so no subscriber gets the post twice.
/// </param>
/// <param name="CreatedAt">When the job was made (the post's first publication), by the region that made it.</param>
public sealed record JobPlan(bool Planned, string? Cursor, string? TraceParent, string Slug, bool Failed, bool OwnedElsewhere = false,
    DateTimeOffset CreatedAt = default);

/// <summary>A send job's progress, as the editor and the admin API show it.</summary>
/// <param name="Status">
/// <c>planning</c> while recipients are being queued, <c>sending</c> until each has an outcome, then <c>sent</c>; or
/// <c>failed</c> when the mail server refused the message itself (<paramref name="Failure"/>), until it is retried.
/// </param>
public sealed record NewsletterProgress(string Slug, string Status, int Recipients, int Sent, int Failed, int Skipped, DateTimeOffset CreatedAt,
    string? Failure = null)
{
    public int Queued => Math.Max(0, Recipients - Sent - Failed - Skipped);
}

/// <summary>The right to send one job's post to one subscriber, until <see cref="LeaseUntil"/> (ms since the epoch).</summary>
public sealed record RecipientClaim(string JobId, string SubscriberId, DateTimeOffset ClaimedAt, long LeaseUntil);

/// <summary>What a claim found: the right to send, a recipient already done with, or one another sender holds now.</summary>
public abstract record ClaimResult
{
    public sealed record Claimed(RecipientClaim Claim) : ClaimResult;

    /// <summary>Sent, failed or skipped already: nothing more to do for this recipient, ever.</summary>
    public sealed record Finished : ClaimResult;

    /// <summary>
    /// Another sender holds an unexpired lease (a batch delivered twice at once, or a holder that may have died):
    /// the batch must come back later, when that lease has ended one way or the other.
    /// </summary>
    public sealed record HeldElsewhere : ClaimResult;
}

/// <summary>
/// Newsletter send jobs and their per-recipient delivery markers, in the single table under <c>NEWSLETTER#{job}</c>: a
/// job is named by its post's id (<see cref="Posts.Post.NewsletterJob"/>), not its slug, so a post deleted after it was
/// emailed keeps its job (its record) and a new post may take the slug and be emailed in turn.
/// </summary>
/// <remarks>
/// The job is created in the same transaction that publishes the post for the first time (<see cref="JobPut"/>), so a
/// published post never lacks its job and a job is never made twice; the stream's INSERT of the job starts the
/// planner. While recipients are still being queued the job sits in the sparse planning index (<c>gsi1</c>), where
/// the sweep finds a planner that stopped. Each recipient's marker is claimed with a lease before the send and
/// closed with the outcome in the same transaction as the job's counter, so a redelivered batch mails nobody twice
/// and the counters match the markers.
/// </remarks>
public sealed class NewsletterStore(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public const string PartitionPrefix = "NEWSLETTER#";
    public const string JobSortKey = "JOB";
    public const string RecipientPrefix = "TO#";

    /// <summary>The list index's partition of jobs whose recipients are still being queued (sparse).</summary>
    public const string PlanningList = "NEWSLETTER#PLANNING";

    /// <summary>Recipients per queue message: a few seconds of sending at SES's pace, far inside the function's timeout.</summary>
    public const int BatchSize = 50;

    internal static class NewsletterFields
    {
        public const string Slug = "slug";
        public const string CreatedAt = "createdAt";
        public const string TraceParent = "traceparent";
        public const string PlanCursor = "planCursor";
        public const string PlannedAt = "plannedAt";
        public const string Recipients = "recipients";
        public const string Sent = "sent";
        public const string Failed = "failed";
        public const string Skipped = "skipped";
        public const string LeaseUntil = "leaseUntil";
        public const string SentAt = "sentAt";
        public const string FailedAt = "failedAt";
        public const string Failure = "failure";
        public const string SkippedAt = "skippedAt";
        public const string JobFailure = "jobFailure";
        public const string JobFailedAt = "jobFailedAt";

        /// <summary>Set when the author retries a failed job: the change that starts its planner again (a stream filter).</summary>
        public const string RetryRequestedAt = "retryRequestedAt";

        /// <summary>The region whose stack made the job, and so the one that plans and sends it.</summary>
        public const string Region = "region";
    }

    private string Table => options.Value.TableName;

    public static string PartitionKey(string jobId) => PartitionPrefix + jobId;

    /// <summary>The job named by a stream record's partition key (<c>NEWSLETTER#{job}</c>), or null.</summary>
    public static string? JobIdFromPartitionKey(string? pk) =>
        pk is not null && pk.StartsWith(PartitionPrefix, StringComparison.Ordinal) && pk.Length > PartitionPrefix.Length ? pk[PartitionPrefix.Length..] : null;

    /// <summary>The job's first write, for the transaction that first publishes the post: only if it does not exist.</summary>
    /// <param name="region">The region making the job (<see cref="MyBlogOptions.Region"/>), which alone sends it.</param>
    public static TransactWriteItem JobPut(string table, string jobId, string slug, DateTimeOffset now, string? traceParent, string? region = null)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [MyBlogTable.PartitionKey] = S(PartitionKey(jobId)),
            [MyBlogTable.SortKey] = S(JobSortKey),
            [NewsletterFields.Slug] = S(slug),
            [NewsletterFields.CreatedAt] = Time(now),
            [NewsletterFields.Recipients] = N(0),
            [NewsletterFields.Sent] = N(0),
            [NewsletterFields.Failed] = N(0),
            [NewsletterFields.Skipped] = N(0),
            [MyBlogTable.ListPartitionKey] = S(PlanningList),
            [MyBlogTable.ListSortKey] = Time(now),
            [MyBlogTable.DirectoryPartitionKey] = S(Subscribers.SubscriberDirectory.NewsletterJobs),
            [MyBlogTable.DirectorySortKey] = S(jobId),
        };
        if (traceParent is not null)
        {
            item[NewsletterFields.TraceParent] = S(traceParent);
        }
        if (region is not null)
        {
            item[NewsletterFields.Region] = S(region);
        }
        return new TransactWriteItem
        {
            Put = new Put { TableName = table, Item = item, ConditionExpression = "attribute_not_exists(pk)" },
        };
    }

    public async Task<NewsletterProgress?> GetProgressAsync(string jobId, CancellationToken ct)
    {
        var item = await GetJobAsync(jobId, ct);
        if (item is null)
        {
            return null;
        }
        int Count(string name) => item.TryGetValue(name, out var v) ? int.Parse(v.N, CultureInfo.InvariantCulture) : 0;
        var (recipients, sent, failed, skipped) = (Count(NewsletterFields.Recipients), Count(NewsletterFields.Sent), Count(NewsletterFields.Failed), Count(NewsletterFields.Skipped));
        var failure = item.GetValueOrDefault(NewsletterFields.JobFailure)?.S;
        var status = failure is not null ? "failed" : !item.ContainsKey(NewsletterFields.PlannedAt) ? "planning" : sent + failed + skipped < recipients ? "sending" : "sent";
        return new NewsletterProgress(item.GetValueOrDefault(NewsletterFields.Slug)?.S ?? jobId, status, recipients, sent, failed, skipped,
            DateTimeOffset.Parse(item[NewsletterFields.CreatedAt].S, CultureInfo.InvariantCulture), failure);
    }

    /// <summary>
    /// Where planning stands: not found (null), done, or the cursor to go on from (null: the start); the post's slug;
    /// and whether the job failed (nothing is planned or sent until the author retries it).
    /// </summary>
    public async Task<JobPlan?> GetPlanAsync(string jobId, CancellationToken ct)
    {
        var item = await GetJobAsync(jobId, ct);
        return item is null
            ? null
            : new JobPlan(item.ContainsKey(NewsletterFields.PlannedAt), item.GetValueOrDefault(NewsletterFields.PlanCursor)?.S, item.GetValueOrDefault(NewsletterFields.TraceParent)?.S,
                item.GetValueOrDefault(NewsletterFields.Slug)?.S ?? jobId, item.ContainsKey(NewsletterFields.JobFailure),
                OwnedElsewhere: options.Value.Region is { } here && item.GetValueOrDefault(NewsletterFields.Region)?.S is { } owner && owner != here,
                CreatedAt: DateTimeOffset.Parse(item[NewsletterFields.CreatedAt].S, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The mail server refused the message itself (its size, its content): every recipient would be refused the same
    /// way, and none of them is at fault. The job stops, visibly, with the reason; recipients not yet sent keep no
    /// outcome, so a retry (after the author changes the post) reaches them. False when it had failed already.
    /// </summary>
    public Task<bool> FailAsync(string jobId, string reason, CancellationToken ct) =>
        dynamo.TryUpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(jobId, JobSortKey),
            UpdateExpression = "SET #failure = :reason, #failedAt = :now",
            ConditionExpression = "attribute_exists(pk) AND attribute_not_exists(#failure)",
            ExpressionAttributeNames = new() { ["#failure"] = NewsletterFields.JobFailure, ["#failedAt"] = NewsletterFields.JobFailedAt },
            ExpressionAttributeValues = new()
            {
                [":reason"] = Reason(reason),
                [":now"] = Time(time.GetUtcNow()),
            },
        }, ct);

    /// <summary>
    /// Starts a failed job again: planned anew from the first subscriber (the change starts the planner), its recipients
    /// counted anew; those already sent, failed or skipped keep their outcome and are not mailed again. False when the
    /// job has not failed.
    /// </summary>
    public Task<bool> RetryAsync(string jobId, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        return dynamo.TryUpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(jobId, JobSortKey),
            UpdateExpression = "SET #recipients = :zero, #retry = :now, #lpk = :planning, #lsk = :now REMOVE #failure, #failedAt, #planned, #cursor",
            ConditionExpression = "attribute_exists(#failure)",
            ExpressionAttributeNames = new()
            {
                ["#recipients"] = NewsletterFields.Recipients,
                ["#retry"] = NewsletterFields.RetryRequestedAt,
                ["#lpk"] = MyBlogTable.ListPartitionKey,
                ["#lsk"] = MyBlogTable.ListSortKey,
                ["#failure"] = NewsletterFields.JobFailure,
                ["#failedAt"] = NewsletterFields.JobFailedAt,
                ["#planned"] = NewsletterFields.PlannedAt,
                ["#cursor"] = NewsletterFields.PlanCursor,
            },
            ExpressionAttributeValues = new() { [":zero"] = N(0), [":now"] = S(now), [":planning"] = S(PlanningList) },
        }, ct);
    }

    /// <summary>
    /// Records that the recipients from <paramref name="fromCursor"/> to <paramref name="nextCursor"/> are queued
    /// (null next: all of them; the job leaves the planning index). False when another planner recorded this page
    /// first: it goes on from there, and this one stops (the batches it queued as well are harmless duplicates).
    /// </summary>
    public async Task<bool> RecordPlannedAsync(string jobId, string? fromCursor, string? nextCursor, int recipients, CancellationToken ct)
    {
        var names = new Dictionary<string, string> { ["#cursor"] = NewsletterFields.PlanCursor, ["#recipients"] = NewsletterFields.Recipients, ["#planned"] = NewsletterFields.PlannedAt };
        var values = new Dictionary<string, AttributeValue> { [":n"] = N(recipients) };
        var condition = "attribute_not_exists(#planned) AND " + (fromCursor is null ? "attribute_not_exists(#cursor)" : "#cursor = :from");
        if (fromCursor is not null)
        {
            values[":from"] = S(fromCursor);
        }
        string update;
        if (nextCursor is null)
        {
            update = "ADD #recipients :n SET #planned = :now REMOVE #cursor, #lpk, #lsk, #retry";
            names["#lpk"] = MyBlogTable.ListPartitionKey;
            names["#lsk"] = MyBlogTable.ListSortKey;
            names["#retry"] = NewsletterFields.RetryRequestedAt;
            values[":now"] = Time(time.GetUtcNow());
        }
        else
        {
            update = "ADD #recipients :n SET #cursor = :next";
            values[":next"] = S(nextCursor);
        }
        return await dynamo.TryUpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(jobId, JobSortKey),
            UpdateExpression = update,
            ConditionExpression = condition,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        }, ct);
    }

    /// <summary>Jobs still planning since before <paramref name="before"/> (the sweep's work list).</summary>
    public async Task<IReadOnlyList<string>> StalledPlanningAsync(DateTimeOffset before, CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = Table,
            IndexName = MyBlogTable.ListIndex,
            KeyConditionExpression = "#lpk = :planning AND #lsk < :before",
            ExpressionAttributeNames = new() { ["#lpk"] = MyBlogTable.ListPartitionKey, ["#lsk"] = MyBlogTable.ListSortKey },
            ExpressionAttributeValues = new()
            {
                [":planning"] = S(PlanningList),
                [":before"] = Time(before),
            },
            Limit = 100,
        }, ct);
        return response.Items.Select(i => JobIdFromPartitionKey(i.GetValueOrDefault(MyBlogTable.PartitionKey)?.S)).OfType<string>().ToList();
    }

    /// <summary>
    /// Takes the right to send job <paramref name="jobId"/> to <paramref name="subscriberId"/>: only if nobody has
    /// sent it, failed it or skipped it, and nobody holds an unexpired lease.
    /// </summary>
    public async Task<ClaimResult> TryClaimAsync(string jobId, string subscriberId, TimeSpan lease, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var until = now.Add(lease).ToUnixTimeMilliseconds();
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = Key(jobId, RecipientPrefix + subscriberId),
                UpdateExpression = "SET #lease = :until",
                ConditionExpression = "attribute_not_exists(#sent) AND attribute_not_exists(#failed) AND attribute_not_exists(#skipped) " +
                    "AND (attribute_not_exists(#lease) OR #lease < :now)",
                ExpressionAttributeNames = new()
                {
                    ["#lease"] = NewsletterFields.LeaseUntil,
                    ["#sent"] = NewsletterFields.SentAt,
                    ["#failed"] = NewsletterFields.FailedAt,
                    ["#skipped"] = NewsletterFields.SkippedAt,
                },
                ExpressionAttributeValues = new() { [":until"] = N(until), [":now"] = N(now.ToUnixTimeMilliseconds()) },
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, ct);
            return new ClaimResult.Claimed(new RecipientClaim(jobId, subscriberId, now, until));
        }
        catch (ConditionalCheckFailedException ex)
        {
            var old = ex.Item ?? [];
            return old.ContainsKey(NewsletterFields.SentAt) || old.ContainsKey(NewsletterFields.FailedAt) || old.ContainsKey(NewsletterFields.SkippedAt)
                ? new ClaimResult.Finished()
                : new ClaimResult.HeldElsewhere();
        }
    }

    /// <summary>The mail server took the message. False if the lease had been taken over (the message went anyway).</summary>
    public Task<bool> MarkSentAsync(RecipientClaim claim, CancellationToken ct) => CloseAsync(claim, NewsletterFields.SentAt, NewsletterFields.Sent, null, ct);

    /// <summary>The mail server refused this recipient for good.</summary>
    public Task<bool> MarkFailedAsync(RecipientClaim claim, string reason, CancellationToken ct) => CloseAsync(claim, NewsletterFields.FailedAt, NewsletterFields.Failed, reason, ct);

    /// <summary>No longer a reader of the newsletter (unsubscribed, bounced, complained) when its turn came.</summary>
    public Task<bool> MarkSkippedAsync(RecipientClaim claim, string reason, CancellationToken ct) => CloseAsync(claim, NewsletterFields.SkippedAt, NewsletterFields.Skipped, reason, ct);

    /// <summary>Gives the claim back after a failure that may pass, so the batch's redelivery can send it.</summary>
    /// <returns>False when the lease had been taken over already: nothing of ours to give back.</returns>
    public Task<bool> ReleaseAsync(RecipientClaim claim, CancellationToken ct) =>
        dynamo.TryUpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = Key(claim.JobId, RecipientPrefix + claim.SubscriberId),
            UpdateExpression = "REMOVE #lease",
            ConditionExpression = "#lease = :mine",
            ExpressionAttributeNames = new() { ["#lease"] = NewsletterFields.LeaseUntil },
            ExpressionAttributeValues = new() { [":mine"] = N(claim.LeaseUntil) },
        }, ct);

    /// <summary>The outcome on the marker and the job's counter for it, in one transaction, under this claim's lease.</summary>
    private async Task<bool> CloseAsync(RecipientClaim claim, string outcomeAttribute, string counter, string? reason, CancellationToken ct)
    {
        var names = new Dictionary<string, string> { ["#outcome"] = outcomeAttribute, ["#lease"] = NewsletterFields.LeaseUntil };
        var values = new Dictionary<string, AttributeValue>
        {
            [":now"] = Time(time.GetUtcNow()),
            [":mine"] = N(claim.LeaseUntil),
        };
        var update = "SET #outcome = :now REMOVE #lease";
        if (reason is not null)
        {
            update = "SET #outcome = :now, #failure = :reason REMOVE #lease";
            names["#failure"] = NewsletterFields.Failure;
            values[":reason"] = Reason(reason);
        }
        return await dynamo.TryTransactAsync(
        [
            Transactions.Update(Table, Key(claim.JobId, RecipientPrefix + claim.SubscriberId), update, names, values, condition: "#lease = :mine"),
            Transactions.Update(Table, Key(claim.JobId, JobSortKey), "ADD #count :one", new() { ["#count"] = counter }, new() { [":one"] = N(1) }),
        ], ct);
    }

    private async Task<Dictionary<string, AttributeValue>?> GetJobAsync(string jobId, CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(jobId, JobSortKey), ConsistentRead = true }, ct);
        return response.IsItemSet && response.Item.Count > 0 ? response.Item : null;
    }

    private static Dictionary<string, AttributeValue> Key(string jobId, string sortKey) => ItemKey(PartitionKey(jobId), sortKey);
}
