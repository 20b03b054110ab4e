using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Imports;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Storage;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Core.Posts;

public enum WriteOutcome
{
    Ok,
    NotFound,
    VersionConflict,

    /// <summary>Something other than the post's version stood in the way; <see cref="PostWrite.Reason"/> says what.</summary>
    Refused,
}

public sealed record PostWrite(WriteOutcome Outcome, Post? Post = null, string? Reason = null);

public sealed record PostPage(IReadOnlyList<PostSummary> Items, string? NextCursor);

/// <summary>
/// Posts in the single table under <c>POST#{slug}</c>, listed through the <c>gsi1</c> index by status, newest
/// first. Every change is conditional on the version the author last saw, so two editors cannot silently
/// overwrite each other; every change also lands on the stream, where the publisher picks it up.
/// </summary>
public sealed class PostStore(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, TimeProvider time)
{
    public const string PartitionPrefix = "POST#";
    public const string SortKeyValue = "POST";
    private const int MaxSlugAttempts = 50;

    private static readonly ActivitySource Activity = new("MyBlog.Posts");

    private string Table => options.Value.TableName;

    public async Task<Post> CreateAsync(ValidPost input, string? traceParent, CancellationToken ct)
    {
        using var span = Activity.StartActivity("post.create");
        var now = time.GetUtcNow();
        var baseSlug = Slug.From(input.Title);
        for (var n = 1; n <= MaxSlugAttempts; n++)
        {
            var slug = Slug.WithSuffix(baseSlug, n);
            if (input.Kind == PostKind.Page && PostSummary.ReservedPageSlugs.Contains(slug))
            {
                continue; // a page called "Tags" is at /tags-2/: /tags/ is the site's own
            }
            var post = new Post(slug, input.Title, input.Markdown, input.Tags, input.Excerpt,
                PostStatus.Draft, Version: 1, now, now, PublishedAt: null)
            {
                Id = NewId(), CoverPhotoId = input.CoverPhotoId, Kind = input.Kind,
                // A page is never emailed.
                SendEmail = input.Kind == PostKind.Post && (input.SendEmail ?? true),
                InNavigation = input.Kind == PostKind.Page && input.InNavigation == true,
            };
            try
            {
                await dynamo.PutItemAsync(new PutItemRequest
                {
                    TableName = Table,
                    Item = ToItem(post, traceParent),
                    ConditionExpression = "attribute_not_exists(pk)",
                }, ct);
                span?.SetTag("myblog.post.slug", post.Slug);
                return post;
            }
            catch (ConditionalCheckFailedException)
            {
                // Taken: try the next suffix.
            }
        }
        throw new InvalidOperationException($"No free slug for '{baseSlug}' after {MaxSlugAttempts} attempts.");
    }

    public async Task<Post?> GetAsync(string slug, CancellationToken ct)
    {
        if (!Slug.IsValid(slug))
        {
            return null;
        }
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(slug), ConsistentRead = true }, ct);
        return response.IsItemSet && response.Item.Count > 0 ? FromItem(response.Item) : null;
    }

    /// <summary>The posts among <paramref name="slugs"/> that exist, read consistently (a rebuild reads thousands).</summary>
    public async Task<Dictionary<string, Post>> GetManyAsync(IEnumerable<string> slugs, CancellationToken ct) =>
        (await BatchReads.GetAllAsync(dynamo, Table, slugs.Where(Slug.IsValid).Distinct().Select(Key), ct))
            .Select(FromItem)
            .ToDictionary(p => p.Slug, StringComparer.Ordinal);

    /// <summary>Replaces title, Markdown, tags and excerpt if the stored version is <paramref name="expectedVersion"/>.</summary>
    public Task<PostWrite> UpdateAsync(string slug, ValidPost input, int expectedVersion, string? traceParent, CancellationToken ct) =>
        ChangeAsync(slug, expectedVersion, traceParent, current => current with
        {
            Title = input.Title,
            Markdown = input.Markdown,
            Tags = input.Tags,
            Excerpt = input.Excerpt,
            CoverPhotoId = input.CoverPhotoId,
            SendEmail = current.Kind == PostKind.Post && (input.SendEmail ?? current.SendEmail),
            InNavigation = current.Kind == PostKind.Page && (input.InNavigation ?? current.InNavigation),
        }, ct);

    /// <summary>
    /// Publishes or unpublishes. The first publication date is kept when a post is published again. The first
    /// publication of a post that is to be emailed creates its newsletter job in the same transaction, so the email
    /// is owed exactly once: never again on a later publication, an edit or a redelivery.
    /// </summary>
    /// <param name="sendEmail">On publishing: email it or not (stored on the post); null keeps the post's choice.</param>
    public Task<PostWrite> SetStatusAsync(string slug, PostStatus status, int? expectedVersion, string? traceParent, CancellationToken ct,
        bool? sendEmail = null) =>
        WriteIfVersionAsync(slug, expectedVersion, async current =>
        {
            var now = time.GetUtcNow();
            var publishing = status == PostStatus.Published;
            var next = current with
            {
                // A post from before ids gets one at its first publication: its newsletter job is named by it.
                Id = current.Id ?? (publishing && current.PublishedAt is null ? NewId() : null),
                Status = status,
                PublishedAt = publishing ? current.PublishedAt ?? now : current.PublishedAt,
                SendEmail = current.Kind == PostKind.Post && (publishing ? sendEmail ?? current.SendEmail : current.SendEmail),
                // Published, by hand or by its schedule: the schedule is spent.
                ScheduledAt = publishing ? null : current.ScheduledAt,
                Version = current.Version + 1,
                UpdatedAt = now,
            };
            var writes = new List<TransactWriteItem> { new() { Put = VersionedPut(next, current.Version, traceParent) } };
            if (publishing && current.ScheduledAt is not null)
            {
                writes.Add(new TransactWriteItem { Delete = new Delete { TableName = Table, Key = ScheduleKey(slug) } });
            }
            if (current.PublishedAt is null && publishing && next.SendEmail)
            {
                writes.Add(NewsletterStore.JobPut(Table, next.NewsletterJob, slug, now, traceParent, options.Value.Region));
            }
            await WriteAllAsync(writes, ct);
            return next;
        }, ct);

    /// <summary>
    /// Schedules a draft to publish itself at <paramref name="at"/> (replacing any earlier schedule of it), with
    /// the email choice it will be published with.
    /// </summary>
    public Task<PostWrite> ScheduleAsync(string slug, DateTimeOffset at, int expectedVersion, bool? sendEmail, string? traceParent, CancellationToken ct) =>
        WriteIfVersionAsync(slug, expectedVersion, async current =>
        {
            at = PublishSchedule.Normalize(at);
            var next = current with
            {
                ScheduledAt = at,
                SendEmail = sendEmail ?? current.SendEmail,
                Version = current.Version + 1,
                UpdatedAt = time.GetUtcNow(),
            };
            var schedule = ScheduleKey(slug);
            schedule["slug"] = S(slug);
            schedule["at"] = S(PublishSchedule.Stamp(at));
            schedule[MyBlogTable.ListPartitionKey] = S(PublishSchedule.ListKey);
            schedule[MyBlogTable.ListSortKey] = S(PublishSchedule.SortKey(at, slug));
            if (traceParent is not null)
            {
                schedule["traceparent"] = S(traceParent);
            }
            await WriteAllAsync(
            [
                new TransactWriteItem { Put = VersionedPut(next, current.Version, traceParent, mustBeDraft: true) },
                new TransactWriteItem { Put = new Put { TableName = Table, Item = schedule } },
            ], ct);
            return next;
        }, ct);

    /// <summary>Cancels a post's schedule; it stays a draft.</summary>
    public Task<PostWrite> CancelScheduleAsync(string slug, int expectedVersion, string? traceParent, CancellationToken ct) =>
        WriteIfVersionAsync(slug, expectedVersion, async current =>
        {
            var next = current with { ScheduledAt = null, Version = current.Version + 1, UpdatedAt = time.GetUtcNow() };
            await WriteAllAsync(
            [
                new TransactWriteItem { Put = VersionedPut(next, current.Version, traceParent) },
                new TransactWriteItem { Delete = new Delete { TableName = Table, Key = ScheduleKey(slug) } },
            ], ct);
            return next;
        }, ct);

    /// <summary>
    /// Writes a post from an imported archive, with its original dates: a new post, or the archive's version over what
    /// an earlier import of the same source (or the author since) made of it, or nothing at all when the archive says
    /// what it said last time (<see cref="ImportedPost.Hash"/>). A post the import did not make from this source — the
    /// author's own, another blog's — is never overwritten: the post takes the next free slug (<c>about-2</c>, …),
    /// where a later import of the same archive finds it again. An imported post is never emailed — subscribers'
    /// inboxes are for new posts — and a published one reaches the site through the stream like any other.
    /// Answers what was written and under which slug.
    /// </summary>
    public async Task<(ImportWrite Write, string Slug)> ImportAsync(ImportedPost imported, string? traceParent, CancellationToken ct)
    {
        var hash = imported.Hash;
        for (var attempt = 0; ; attempt++)
        {
            var (slug, current) = await ImportTargetAsync(imported, ct);
            if (current?.ImportHash == hash)
            {
                return (ImportWrite.Unchanged, slug);
            }
            var content = imported.Content;
            var publishing = !imported.Draft;
            var next = new Post(slug, content.Title, content.Markdown, content.Tags, content.Excerpt,
                publishing ? PostStatus.Published : PostStatus.Draft, (current?.Version ?? 0) + 1,
                current?.CreatedAt ?? imported.Date, imported.Updated, publishing ? imported.Date : current?.PublishedAt)
            {
                Id = current is null ? NewId() : current.Id,
                CoverPhotoId = content.CoverPhotoId,
                Kind = content.Kind,
                // Whether a page is in the navigation is the author's to say here, not the archive's.
                InNavigation = content.Kind == PostKind.Page && (current?.InNavigation ?? false),
                // A draft the author publishes later is a new post for the subscribers; what was published is not.
                SendEmail = content.Kind == PostKind.Post && !publishing && (current?.SendEmail ?? true),
                ScheduledAt = publishing ? null : current?.ScheduledAt,
                ImportHash = hash,
                ImportSource = imported.Source,
                OldPaths = imported.OldPaths,
            };
            var writes = new List<TransactWriteItem>
            {
                new()
                {
                    Put = current is null
                        ? new Put { TableName = Table, Item = ToItem(next, traceParent), ConditionExpression = "attribute_not_exists(pk)" }
                        : VersionedPut(next, current.Version, traceParent),
                },
            };
            if (publishing && current?.ScheduledAt is not null)
            {
                writes.Add(new TransactWriteItem { Delete = new Delete { TableName = Table, Key = ScheduleKey(slug) } });
            }
            try
            {
                await WriteAllAsync(writes, ct);
                return (current is null ? ImportWrite.Imported : ImportWrite.Updated, slug);
            }
            catch (Exception ex) when (ex is ConditionalCheckFailedException or TransactionCanceledException && attempt < 3)
            {
                // The author (or another import) changed it, or took the slug, meanwhile: look again.
            }
        }
    }

    /// <summary>How many slugs past the archive's own an import tries before it says the post cannot be placed.</summary>
    public const int MaxImportSlugTries = 20;

    /// <summary>
    /// Where an imported post goes: the first of its slug, slug-2, slug-3, … that is free or holds the post this
    /// source made — with that post, or null for a free slug.
    /// </summary>
    private async Task<(string Slug, Post? Current)> ImportTargetAsync(ImportedPost imported, CancellationToken ct)
    {
        for (var n = 1; n <= MaxImportSlugTries; n++)
        {
            var slug = n == 1 ? imported.Slug : Slug.WithSuffix(imported.Slug, n);
            if (imported.Content.Kind == PostKind.Page && PostSummary.ReservedPageSlugs.Contains(slug))
            {
                continue; // a page is never at one of the site's own addresses
            }
            var current = await GetAsync(slug, ct);
            if (current is null || current.ImportSource == imported.Source)
            {
                return (slug, current);
            }
        }
        throw new InvalidDataException(
            $"The slug '{imported.Slug}' and the next {MaxImportSlugTries - 1} after it belong to posts this archive did not make; give the post another slug.");
    }

    /// <summary>Every scheduled post and its time, from the schedule items (the index; an editor's list).</summary>
    public async Task<Dictionary<string, DateTimeOffset>> ScheduledAsync(CancellationToken ct) =>
        (await DueAsync(DateTimeOffset.MaxValue, ct)).ToDictionary(d => d.Slug,
            d => DateTimeOffset.Parse(d.At, CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>The scheduled posts whose time has come, soonest first: (slug, time) from the schedule items.</summary>
    public async Task<IReadOnlyList<(string Slug, string At)>> DueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var items = await dynamo.QueryAllAsync(new QueryRequest
        {
            TableName = Table,
            IndexName = MyBlogTable.ListIndex,
            KeyConditionExpression = "gsi1pk = :scheduled AND gsi1sk < :bound",
            ExpressionAttributeValues = new()
            {
                [":scheduled"] = S(PublishSchedule.ListKey),
                [":bound"] = S(PublishSchedule.DueBound(now)),
            },
        }, ct);
        // Each schedule item sorts as "time#slug".
        return [.. items.Select(i => i[MyBlogTable.ListSortKey].S.Split('#', 2)).Where(p => p is [_, _]).Select(p => (Slug: p[1], At: p[0]))];
    }

    /// <summary>
    /// Publishes a scheduled post whose time <paramref name="at"/> has come, exactly as the author's publish does
    /// (the post's email choice included). Nothing happens when the post was published, moved or cancelled since
    /// the schedule was read; a post deleted meanwhile has its schedule item removed. True when it was published.
    /// </summary>
    public async Task<bool> PublishDueAsync(string slug, string at, string? traceParent, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = await GetAsync(slug, ct);
            if (current is null)
            {
                await dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = ScheduleKey(slug) }, ct);
                return false;
            }
            if (current.ScheduledAt is null)
            {
                // A schedule item its post no longer names: let it go (unless a new schedule replaced it meanwhile).
                await dynamo.TryDeleteItemAsync(new DeleteItemRequest
                {
                    TableName = Table,
                    Key = ScheduleKey(slug),
                    ConditionExpression = "#at = :at",
                    ExpressionAttributeNames = new() { ["#at"] = "at" },
                    ExpressionAttributeValues = new() { [":at"] = S(at) },
                }, ct);
                return false;
            }
            if (PublishSchedule.Stamp(current.ScheduledAt.Value) != at)
            {
                return false;
            }
            var result = await SetStatusAsync(slug, PostStatus.Published, current.Version, traceParent, ct);
            if (result.Outcome == WriteOutcome.Ok)
            {
                return true;
            }
            if (result.Outcome == WriteOutcome.Refused)
            {
                // Not a race an attempt more would win: the schedule stays, and the author sees why on publishing by hand.
                throw new InvalidOperationException($"The scheduled post '{slug}' cannot be published: {result.Reason}");
            }
            // An edit landed between the read and the write: read it again and publish that version.
        }
        throw new InvalidOperationException($"The post '{slug}' kept changing while its schedule was publishing it; the next run tries again.");
    }

    public Task<PostWrite> DeleteAsync(string slug, int? expectedVersion, CancellationToken ct) =>
        WriteIfVersionAsync(slug, expectedVersion, async current =>
        {
            var writes = new List<TransactWriteItem>
            {
                new()
                {
                    Delete = new Delete
                    {
                        TableName = Table,
                        Key = Key(slug),
                        ConditionExpression = "version = :v",
                        ExpressionAttributeValues = new() { [":v"] = N(current.Version) },
                    },
                },
            };
            if (current.ScheduledAt is not null)
            {
                // A scheduled post takes its schedule with it.
                writes.Add(new TransactWriteItem { Delete = new Delete { TableName = Table, Key = ScheduleKey(slug) } });
            }
            await WriteAllAsync(writes, ct);
            return current;
        }, ct);

    /// <summary>A page of posts with one status, newest first, optionally with one tag.</summary>
    public Task<PostPage> ListAsync(PostStatus status, string? tag, string? cursor, int limit, CancellationToken ct) =>
        ListAsync(PostKind.Post, status, tag, cursor, limit, ct);

    /// <summary>A page of posts or of pages (<paramref name="kind"/>) with one status, newest first, optionally with one tag.</summary>
    public async Task<PostPage> ListAsync(PostKind kind, PostStatus status, string? tag, string? cursor, int limit, CancellationToken ct)
    {
        var items = new List<PostSummary>();
        var startKey = DecodeCursor(cursor, kind, status);
        var leftOver = false;
        do
        {
            var request = new QueryRequest
            {
                TableName = Table,
                IndexName = MyBlogTable.ListIndex,
                KeyConditionExpression = "gsi1pk = :list",
                ExpressionAttributeValues = new() { [":list"] = S(ListKey(kind, status)) },
                ScanIndexForward = false,
                Limit = limit - items.Count,
                ExclusiveStartKey = startKey,
            };
            if (tag is not null)
            {
                request.FilterExpression = "contains(tags, :tag)";
                request.ExpressionAttributeValues[":tag"] = S(tag);
                request.Limit = Math.Max(request.Limit ?? limit, 25);
            }
            var response = await dynamo.QueryAsync(request, ct);
            foreach (var item in response.Items ?? [])
            {
                if (items.Count == limit)
                {
                    leftOver = true;
                    break;
                }
                items.Add(SummaryFromItem(item) with { Kind = kind });
            }
            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (items.Count < limit && startKey is not null);

        var more = items.Count == limit && (leftOver || startKey is not null);
        return new PostPage(items, more ? EncodeCursor(items[^1]) : null);
    }

    /// <summary>Every published post, newest first (the publisher's view of the site).</summary>
    public Task<IReadOnlyList<PostSummary>> AllPublishedAsync(CancellationToken ct) => AllPublishedAsync(PostKind.Post, ct);

    /// <summary>Every published post or page, newest first.</summary>
    public async Task<IReadOnlyList<PostSummary>> AllPublishedAsync(PostKind kind, CancellationToken ct)
    {
        var all = new List<PostSummary>();
        string? cursor = null;
        do
        {
            var page = await ListAsync(kind, PostStatus.Published, null, cursor, 500, ct);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    /// <summary>The tags of published posts (a tag filter for anything else has nothing to find).</summary>
    public async Task<IReadOnlySet<string>> PublishedTagsAsync(CancellationToken ct) =>
        (await AllPublishedAsync(ct)).SelectMany(p => p.Tags).ToHashSet(StringComparer.Ordinal);

    private Task<PostWrite> ChangeAsync(string slug, int? expectedVersion, string? traceParent, Func<Post, Post> change, CancellationToken ct) =>
        WriteIfVersionAsync(slug, expectedVersion, async current =>
        {
            var next = change(current) with { Version = current.Version + 1, UpdatedAt = time.GetUtcNow() };
            await WriteAllAsync([new TransactWriteItem { Put = VersionedPut(next, current.Version, traceParent) }], ct);
            return next;
        }, ct);

    /// <summary>
    /// The one shape of every change: load the post, refuse a stale expected version, write conditionally on the
    /// version read; a write that loses the race reports the version that won.
    /// </summary>
    private async Task<PostWrite> WriteIfVersionAsync(string slug, int? expectedVersion, Func<Post, Task<Post>> write, CancellationToken ct)
    {
        var current = await GetAsync(slug, ct);
        if (current is null)
        {
            return new PostWrite(WriteOutcome.NotFound);
        }
        if (expectedVersion is { } v && v != current.Version)
        {
            return new PostWrite(WriteOutcome.VersionConflict, current);
        }
        try
        {
            return new PostWrite(WriteOutcome.Ok, await write(current));
        }
        catch (TransactionCanceledException ex) when (ex.CancellationReasons is { Count: > 1 } reasons && reasons[0].Code is null or "None")
        {
            // The post's own write (first in every transaction) held: something else stood in the way; say what.
            return new PostWrite(WriteOutcome.Refused, current,
                "a record the change depends on is not as expected: " + string.Join(", ", ex.CancellationReasons.Skip(1)
                    .Where(r => r.Code is not (null or "None")).Select(r => $"{r.Code}{(string.IsNullOrEmpty(r.Message) ? "" : $" ({r.Message})")}")));
        }
        catch (Exception ex) when (ex is ConditionalCheckFailedException or TransactionCanceledException)
        {
            return new PostWrite(WriteOutcome.VersionConflict, await GetAsync(slug, ct));
        }
    }

    /// <summary>The post's item, on condition that it is still at <paramref name="version"/> (and a draft, if asked).</summary>
    private Put VersionedPut(Post next, int version, string? traceParent, bool mustBeDraft = false) => new()
    {
        TableName = Table,
        Item = ToItem(next, traceParent),
        ConditionExpression = mustBeDraft ? "version = :v AND #status = :draft" : "version = :v",
        ExpressionAttributeNames = mustBeDraft ? new() { ["#status"] = "status" } : null,
        ExpressionAttributeValues = mustBeDraft
            ? new() { [":v"] = N(version), [":draft"] = S("draft") }
            : new() { [":v"] = N(version) },
    };

    /// <summary>One write as a plain conditional put or delete (the common case), several as one transaction.</summary>
    private async Task WriteAllAsync(IReadOnlyList<TransactWriteItem> writes, CancellationToken ct)
    {
        switch (writes)
        {
            case [{ Put: { } put }]:
                await dynamo.PutItemAsync(new PutItemRequest
                {
                    TableName = put.TableName,
                    Item = put.Item,
                    ConditionExpression = put.ConditionExpression,
                    ExpressionAttributeNames = put.ExpressionAttributeNames,
                    ExpressionAttributeValues = put.ExpressionAttributeValues,
                }, ct);
                break;
            case [{ Delete: { } delete }]:
                await dynamo.DeleteItemAsync(new DeleteItemRequest
                {
                    TableName = delete.TableName,
                    Key = delete.Key,
                    ConditionExpression = delete.ConditionExpression,
                    ExpressionAttributeNames = delete.ExpressionAttributeNames,
                    ExpressionAttributeValues = delete.ExpressionAttributeValues,
                }, ct);
                break;
            default:
                await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [.. writes] }, ct);
                break;
        }
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static Dictionary<string, AttributeValue> ScheduleKey(string slug) => ItemKey(PartitionPrefix + slug, PublishSchedule.SortKeyValue);

    /// <summary>
    /// The list a post is in: <c>POSTS#published</c>, <c>POSTS#draft</c>; a page's are <c>PAGES#…</c>, so the
    /// lists, feeds and tags, which read the posts' lists, never see a page.
    /// </summary>
    public static string ListKey(PostKind kind, PostStatus status) =>
        (kind == PostKind.Page ? "PAGES#" : "POSTS#") + status.ToString().ToLowerInvariant();

    private static string ListSortKey(PostSummary post) =>
        (post.Status == PostStatus.Published ? post.PublishedAt!.Value : post.UpdatedAt).ToString("O", CultureInfo.InvariantCulture) + "#" + post.Slug;

    public static Dictionary<string, AttributeValue> Key(string slug) => ItemKey(PartitionPrefix + slug, SortKeyValue);

    private static Dictionary<string, AttributeValue> ToItem(Post post, string? traceParent)
    {
        var item = Key(post.Slug);
        item["slug"] = S(post.Slug);
        item["title"] = S(post.Title);
        item["markdown"] = S(post.Markdown);
        item["tags"] = Strings(post.Tags);
        item["status"] = S(post.Status.ToString().ToLowerInvariant());
        item["version"] = N(post.Version);
        item["createdAt"] = Time(post.CreatedAt);
        item["updatedAt"] = Time(post.UpdatedAt);
        item[MyBlogTable.ListPartitionKey] = S(ListKey(post.Kind, post.Status));
        if (post.Kind == PostKind.Page)
        {
            item["kind"] = S("page");
            item["inNavigation"] = Bool(post.InNavigation);
        }
        var summary = post.ToSummary();
        item[MyBlogTable.ListSortKey] = S(ListSortKey(summary));
        item["summary"] = S(summary.Summary);
        item["readingMinutes"] = N(summary.ReadingMinutes);
        if (post.Excerpt is not null)
        {
            item["excerpt"] = S(post.Excerpt);
        }
        if (post.CoverPhotoId is not null)
        {
            item["coverPhotoId"] = S(post.CoverPhotoId);
        }
        item["sendEmail"] = Bool(post.SendEmail);
        if (post.Id is not null)
        {
            item["postId"] = S(post.Id);
        }
        if (post.ImportHash is not null)
        {
            item["importHash"] = S(post.ImportHash);
        }
        if (post.ImportSource is not null)
        {
            item["importSource"] = S(post.ImportSource);
        }
        if (post.OldPaths.Count > 0)
        {
            item["oldPaths"] = Strings(post.OldPaths);
        }
        if (post.ScheduledAt is { } scheduled)
        {
            item["scheduledAt"] = S(PublishSchedule.Stamp(scheduled));
        }
        if (post.PublishedAt is { } published)
        {
            item["publishedAt"] = Time(published);
        }
        if (traceParent is not null)
        {
            item["traceparent"] = S(traceParent);
        }
        return item;
    }

    public static Post FromItem(IReadOnlyDictionary<string, AttributeValue> item)
    {
        var s = SummaryFromItem(item);
        return new Post(s.Slug, s.Title, item.String("markdown") ?? "", s.Tags, item.String("excerpt"), s.Status, s.Version,
            s.CreatedAt, s.UpdatedAt, s.PublishedAt)
        {
            Id = item.String("postId"),
            CoverPhotoId = item.String("coverPhotoId"),
            SendEmail = !item.TryGetValue("sendEmail", out var send) || send.BOOL != false,
            ScheduledAt = item.String("scheduledAt") is { } scheduled ? DateTimeOffset.Parse(scheduled, CultureInfo.InvariantCulture) : null,
            ImportHash = item.String("importHash"),
            ImportSource = item.String("importSource"),
            OldPaths = item.StringList("oldPaths"),
            Kind = item.String("kind") == "page" ? PostKind.Page : PostKind.Post,
            InNavigation = item.TryGetValue("inNavigation", out var nav) && nav.BOOL == true,
        };
    }

    public static PostSummary SummaryFromItem(IReadOnlyDictionary<string, AttributeValue> item)
    {
        return new PostSummary(
            item.String("slug")!,
            item.String("title") ?? "",
            item.String("summary") ?? "",
            item.StringList("tags"),
            item.String("status") == "published" ? PostStatus.Published : PostStatus.Draft,
            item.Int("version")!.Value,
            item.Time("createdAt")!.Value,
            item.Time("updatedAt")!.Value,
            item.Time("publishedAt"),
            item.Int("readingMinutes") ?? 1)
        {
            // The list index does not carry the kind (its list says it); the item does.
            Kind = item.String("kind") == "page" ? PostKind.Page : PostKind.Post,
        };
    }

    private static string EncodeCursor(PostSummary last)
    {
        var key = new Dictionary<string, string>
        {
            ["pk"] = PartitionPrefix + last.Slug,
            ["sk"] = SortKeyValue,
            ["gsi1pk"] = ListKey(last.Kind, last.Status),
            ["gsi1sk"] = ListSortKey(last),
        };
        return Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(key, CoreJson.Default.DictionaryStringString));
    }

    /// <summary>
    /// Reads a cursor this store wrote for this list; anything else is a <see cref="FormatException"/> (the client's
    /// mistake, a 400) — including a well-formed key that points into another list or at no post, which DynamoDB
    /// would refuse.
    /// </summary>
    /// <summary>
    /// Longer than any cursor this store writes (four key attributes, a slug of at most 80 characters of up to four
    /// UTF-8 bytes each, base64url); a longer one is refused before it is decoded.
    /// </summary>
    public const int MaxCursorLength = 2048;

    private static Dictionary<string, AttributeValue>? DecodeCursor(string? cursor, PostKind kind, PostStatus status)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        if (cursor.Length > MaxCursorLength)
        {
            throw new FormatException("The cursor is not one this API issued.");
        }
        Dictionary<string, string>? key;
        try
        {
            key = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(cursor), CoreJson.Default.DictionaryStringString);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException)
        {
            throw new FormatException("The cursor is not one this API issued.", ex);
        }
        if (key is null || key.Count != 4 || !key.Keys.Order().SequenceEqual(["gsi1pk", "gsi1sk", "pk", "sk"])
            || key["gsi1pk"] != ListKey(kind, status) || key["sk"] != SortKeyValue
            || !key["pk"].StartsWith(PartitionPrefix, StringComparison.Ordinal) || !Slug.IsValid(key["pk"][PartitionPrefix.Length..])
            || key["gsi1sk"].Split('#') is not [var date, var slug]
            || slug != key["pk"][PartitionPrefix.Length..]
            || !DateTimeOffset.TryParseExact(date, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            throw new FormatException("The cursor is not one this API issued.");
        }
        return key.ToDictionary(kv => kv.Key, kv => S(kv.Value));
    }
}
