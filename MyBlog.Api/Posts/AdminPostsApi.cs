using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using MyBlog.Api.Hosting;
using MyBlog.Api.Staff;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;

namespace MyBlog.Api.Posts;

/// <summary>
/// The author's API: write, edit, publish, unpublish and delete posts. Edits carry the version they started
/// from (If-Match or <c>version</c>), so a stale edit is refused with 412 instead of overwriting someone's work.
/// </summary>
public static class AdminPostsApi
{
    public const int MaxBodyBytes = 1024 * 1024;
    private const string Example = """{"title": "Hello", "markdown": "# Hello", "tags": ["news"]}""";

    public static IEndpointRouteBuilder MapAdminPostsApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("/api/admin");

        admin.MapPost("/posts", CreateAsync).Accepts<PostInput>("application/json").WithName("CreatePost").WithSummary("Create a draft; the slug comes from the title.");
        admin.MapGet("/posts", ListAsync).WithName("ListPosts").WithSummary("Drafts or published posts, newest first.");
        admin.MapGet("/posts/{slug}", GetAsync).WithName("GetPost").WithSummary("One post with its version as ETag.");
        admin.MapPut("/posts/{slug}", UpdateAsync).Accepts<PostUpdate>("application/json").WithName("UpdatePost").WithSummary("Replace a post; needs If-Match or version.");
        admin.MapDelete("/posts/{slug}", DeleteAsync).WithName("DeletePost").WithSummary("Delete a post (its page disappears); needs If-Match.");
        admin.MapPost("/posts/{slug}/publish", PublishAsync)
            .Accepts<PublishRequest>(isOptional: true, "application/json")
            .WithName("PublishPost").WithSummary("Publish now, or at a time ({\"at\": \"2026-12-01T09:00:00+09:00\"}: 202, scheduled; a time past publishes now): the static pages are generated from the stream; the first publication emails the post to the confirmed subscribers unless sendEmail is false; needs If-Match.");
        admin.MapDelete("/posts/{slug}/schedule", CancelScheduleAsync)
            .WithName("CancelSchedule").WithSummary("Cancel a scheduled publication; the post stays a draft; needs If-Match.");
        admin.MapPost("/posts/{slug}/unpublish", UnpublishAsync)
            .WithName("UnpublishPost").WithSummary("Unpublish: the page disappears and the lists update; needs If-Match.");
        admin.MapPost("/preview", PreviewAsync).Accepts<PreviewRequest>("application/json").WithName("PreviewMarkdown").WithSummary("Render Markdown exactly as the site will.");
        return app;
    }

    public static async Task<Results<Created<PostDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, HttpResponse response, PostStore posts, PhotoStore photos, CancellationToken ct)
    {
        var (input, problem) = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, Example, ApiJson.Default.PostInput, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (!input!.TryValidate(out var valid, out var errors) || !await CoverIsReadyAsync(valid, photos, errors, ct))
        {
            return TypedResults.ValidationProblem(errors, title: "The post is not valid");
        }
        var post = await posts.CreateAsync(valid, Activity.Current?.Id, ct);
        response.Headers.ETag = PostDto.ETag(post);
        return TypedResults.Created($"/api/admin/posts/{Uri.EscapeDataString(post.Slug)}", PostDto.From(post));
    }

    public static async Task<Results<Ok<PostList<PostSummaryDto>>, ProblemHttpResult>> ListAsync(
        PostStore posts, CancellationToken ct, string? status = null, string? cursor = null, int? limit = null, string? kind = null)
    {
        var listOf = kind?.ToLowerInvariant() switch
        {
            null or "" or "post" => PostKind.Post,
            "page" => PostKind.Page,
            _ => (PostKind?)null,
        };
        if (listOf is null)
        {
            return TypedResults.Problem(statusCode: 400, title: "Unknown kind", detail: "kind is 'post' or 'page'.");
        }
        var wanted = status?.ToLowerInvariant() switch
        {
            null or "" or "draft" => PostStatus.Draft,
            "published" => PostStatus.Published,
            _ => (PostStatus?)null,
        };
        if (wanted is null)
        {
            return TypedResults.Problem(statusCode: 400, title: "Unknown status", detail: "status is 'draft' or 'published'.");
        }
        if (limit is < 1 or > 100)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid limit", detail: "limit is between 1 and 100.");
        }
        try
        {
            var page = await posts.ListAsync(listOf.Value, wanted.Value, null, cursor, limit ?? 50, ct);
            // Drafts show when they are scheduled (a handful of schedule items, read in one query).
            var scheduled = wanted == PostStatus.Draft ? await posts.ScheduledAsync(ct) : [];
            return TypedResults.Ok(new PostList<PostSummaryDto>(
                page.Items.Select(p => PostSummaryDto.From(p, scheduled.TryGetValue(p.Slug, out var at) ? at : null)).ToList(), page.NextCursor));
        }
        catch (FormatException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid cursor", detail: ex.Message);
        }
    }

    public static async Task<Results<Ok<PostDto>, ProblemHttpResult>> GetAsync(
        string slug, HttpResponse response, PostStore posts, CancellationToken ct)
    {
        var post = await posts.GetAsync(slug, ct);
        if (post is null)
        {
            return NotFound(slug);
        }
        response.Headers.ETag = PostDto.ETag(post);
        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(PostDto.From(post));
    }

    public static async Task<Results<Ok<PostDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string slug, HttpRequest request, HttpResponse response, PostStore posts, PhotoStore photos, CancellationToken ct)
    {
        var (update, problem) = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, Example, ApiJson.Default.PostUpdate, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (!TryRequiredVersion(request, update!.Version, "an edit", out var expected, out var versionProblem))
        {
            return versionProblem;
        }
        // A post stays a post and a page a page: the stored one says which rules the edit is held to.
        var kind = (await posts.GetAsync(slug, ct))?.Kind ?? PostKind.Post;
        if (!update.InputFor(kind).TryValidate(out var valid, out var errors) || !await CoverIsReadyAsync(valid, photos, errors, ct))
        {
            return TypedResults.ValidationProblem(errors, title: "The post is not valid");
        }
        return Written(await posts.UpdateAsync(slug, valid, expected, Activity.Current?.Id, ct), slug, response);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string slug, HttpRequest request, PostStore posts, CancellationToken ct)
    {
        if (!TryRequiredVersion(request, null, "a delete", out var expected, out var versionProblem))
        {
            return versionProblem;
        }
        var result = await posts.DeleteAsync(slug, expected, ct);
        return result.Outcome switch
        {
            WriteOutcome.Ok => TypedResults.NoContent(),
            WriteOutcome.NotFound => NotFound(slug),
            WriteOutcome.Refused => Refused(slug, result.Reason),
            _ => Conflict(result.Post),
        };
    }

    private const string PublishExample = """{"at": "2026-12-01T09:00:00+09:00", "sendEmail": true}""";

    /// <summary>
    /// Publish now (no body, or no <c>at</c>), or schedule: the post is published by itself at <c>at</c>, exactly as
    /// this would publish it then. Scheduling again moves the schedule; a time already past publishes now.
    /// </summary>
    public static async Task<Results<Ok<PostDto>, Accepted<PostDto>, ValidationProblem, ProblemHttpResult>> PublishAsync(
        string slug, HttpRequest request, HttpResponse response, PostStore posts, PublishScheduler scheduler, TimeProvider time,
        ILogger<PublishScheduler> logger, CancellationToken ct, bool? sendEmail = null)
    {
        PublishRequest? body = null;
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            (body, var problem) = await RequestBody.ReadJsonAsync(request, 4096, PublishExample, ApiJson.Default.PublishRequest, ct);
            if (problem is not null)
            {
                return problem;
            }
        }
        if (!TryRequiredVersion(request, null, "publishing", out var expected, out var versionProblem))
        {
            return versionProblem;
        }
        var send = body?.SendEmail ?? sendEmail;
        var now = time.GetUtcNow();
        DateTimeOffset? at = null;
        if (body?.At is { } text)
        {
            if (!PublishRequest.TryParseAt(text, out var parsed))
            {
                return InvalidSchedule("A time with its offset from UTC, like 2026-12-01T09:00:00+09:00 or 2026-12-01T00:00:00Z.");
            }
            if (parsed > now + PublishSchedule.MaxAhead)
            {
                return InvalidSchedule($"A post can be scheduled at most {PublishSchedule.MaxAhead.TotalDays:0} days ahead.");
            }
            at = parsed;
        }
        if (at is null || at <= now)
        {
            // Now, or a time already past: publish now, as the schedule would have.
            return Widen(Written(await posts.SetStatusAsync(slug, PostStatus.Published, expected, Activity.Current?.Id, ct, send), slug, response));
        }
        if (await posts.GetAsync(slug, ct) is { Status: PostStatus.Published })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already published",
                detail: $"The post '{slug}' is published; only a draft can be scheduled. Unpublish it first to schedule it again.");
        }
        var result = await posts.ScheduleAsync(slug, at.Value, expected, send, Activity.Current?.Id, ct);
        if (result.Outcome != WriteOutcome.Ok)
        {
            return result.Outcome == WriteOutcome.NotFound ? NotFound(slug) : Conflict(result.Post);
        }
        try
        {
            await scheduler.ScheduleAsync(slug, result.Post!.ScheduledAt!.Value, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // The schedule item is written: the recurring publish-due run publishes it within its interval.
            logger.LogWarning(ex, "The one-time schedule of {Slug} could not be made; the recurring run will publish it", slug);
        }
        response.Headers.ETag = PostDto.ETag(result.Post!);
        return TypedResults.Accepted($"/api/admin/posts/{Uri.EscapeDataString(slug)}", PostDto.From(result.Post!));
    }

    private static ValidationProblem InvalidSchedule(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["at"] = [message] }, title: "The schedule is not valid");

    private static Results<Ok<PostDto>, Accepted<PostDto>, ValidationProblem, ProblemHttpResult> Widen(
        Results<Ok<PostDto>, ValidationProblem, ProblemHttpResult> result) => result.Result switch
        {
            Ok<PostDto> ok => ok,
            ValidationProblem invalid => invalid,
            ProblemHttpResult problem => problem,
            var other => throw new InvalidOperationException($"Unexpected result {other}"),
        };

    public static async Task<Results<Ok<PostDto>, ProblemHttpResult>> CancelScheduleAsync(
        string slug, HttpRequest request, HttpResponse response, PostStore posts, PublishScheduler scheduler, ILogger<PublishScheduler> logger,
        CancellationToken ct)
    {
        if (!TryRequiredVersion(request, null, "cancelling a schedule", out var expected, out var versionProblem))
        {
            return versionProblem;
        }
        var post = await posts.GetAsync(slug, ct);
        if (post is null)
        {
            return NotFound(slug);
        }
        if (post.ScheduledAt is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not scheduled", detail: $"The post '{slug}' has no schedule to cancel.");
        }
        var result = await posts.CancelScheduleAsync(slug, expected, Activity.Current?.Id, ct);
        if (result.Outcome != WriteOutcome.Ok)
        {
            return result.Outcome == WriteOutcome.NotFound ? NotFound(slug) : Conflict(result.Post);
        }
        try
        {
            await scheduler.CancelAsync(slug, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // Harmless if it fires: the post no longer names that time, so the run publishes nothing.
            logger.LogWarning(ex, "The one-time schedule of {Slug} could not be deleted; when it fires it will find nothing to do", slug);
        }
        response.Headers.ETag = PostDto.ETag(result.Post!);
        return TypedResults.Ok(PostDto.From(result.Post!));
    }

    public static async Task<Results<Ok<PostDto>, ValidationProblem, ProblemHttpResult>> UnpublishAsync(
        string slug, HttpRequest request, HttpResponse response, PostStore posts, CancellationToken ct)
    {
        if (!TryRequiredVersion(request, null, "unpublishing", out var expected, out var versionProblem))
        {
            return versionProblem;
        }
        return Written(await posts.SetStatusAsync(slug, PostStatus.Draft, expected, Activity.Current?.Id, ct), slug, response);
    }

    /// <summary>A cover photo must exist and be ready: a page cannot show, or share, a photo that has no variants.</summary>
    private static async Task<bool> CoverIsReadyAsync(ValidPost post, PhotoStore photos, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (post.CoverPhotoId is null)
        {
            return true;
        }
        var photo = await photos.GetAsync(post.CoverPhotoId, ct);
        if (photo?.Image is not null)
        {
            return true;
        }
        errors["coverPhotoId"] = [photo is null
            ? $"There is no photo '{post.CoverPhotoId}'."
            : $"The photo '{post.CoverPhotoId}' is {photo.Status}{(photo.FailureReason is null ? "" : $" ({photo.FailureReason})")}; only a ready photo can be a cover."];
        return false;
    }

    public static async Task<Results<Ok<PreviewResponse>, ProblemHttpResult>> PreviewAsync(HttpRequest request, PhotoStore photos, CancellationToken ct)
    {
        var (preview, problem) = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, """{"markdown": "# Hello"}""", ApiJson.Default.PreviewRequest, ct);
        if (problem is not null)
        {
            return problem;
        }
        var markdown = preview!.Markdown ?? "";
        var ready = await photos.GetReadyImagesAsync(PhotoMarkup.ReferencedIds(markdown), ct);
        return TypedResults.Ok(new PreviewResponse(PostContent.ToHtml(markdown, ready), PostContent.ReadingMinutes(markdown)));
    }

    private static Results<Ok<PostDto>, ValidationProblem, ProblemHttpResult> Written(
        PostWrite result, string slug, HttpResponse response)
    {
        switch (result.Outcome)
        {
            case WriteOutcome.Ok:
                response.Headers.ETag = PostDto.ETag(result.Post!);
                return TypedResults.Ok(PostDto.From(result.Post!));
            case WriteOutcome.NotFound:
                return NotFound(slug);
            case WriteOutcome.Refused:
                return Refused(slug, result.Reason);
            default:
                return Conflict(result.Post);
        }
    }

    /// <summary>
    /// The version a change was made from: If-Match (<c>"v3"</c>) or the body's version. Every change names it, so a
    /// stale editor tab cannot undo or delete newer work: none is a 428 naming <paramref name="change"/>, a malformed
    /// one (or one that disagrees with the body's) a 400.
    /// </summary>
    internal static bool TryRequiredVersion(HttpRequest request, int? bodyVersion, string change, out int version, out ProblemHttpResult problem)
    {
        problem = null!;
        version = bodyVersion ?? 0;
        var ifMatch = request.Headers.IfMatch.ToString().Trim();
        if (ifMatch.Length == 0)
        {
            if (bodyVersion is not null)
            {
                return true;
            }
            problem = TypedResults.Problem(statusCode: StatusCodes.Status428PreconditionRequired, title: "Version required",
                detail: $"Send If-Match with the post's ETag (or \"version\" in the body of an edit) so {change} cannot act on a newer version than the one you saw.");
            return false;
        }
        var tag = ifMatch.StartsWith("W/", StringComparison.Ordinal) ? ifMatch[2..] : ifMatch;
        if (tag.Length > 3 && tag[0] == '"' && tag[1] == 'v' && tag[^1] == '"'
            && int.TryParse(tag[2..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            && (bodyVersion is null || bodyVersion == parsed))
        {
            version = parsed;
            return true;
        }
        problem = TypedResults.Problem(statusCode: 400, title: "Invalid If-Match",
            detail: "If-Match takes the ETag the API returned, like \"v3\", and must agree with the body's version.");
        return false;
    }

    private static ProblemHttpResult NotFound(string slug) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Post not found", detail: $"There is no post '{slug}'.");

    /// <summary>The version was right and something else stood in the way: the answer says what, never "it changed".</summary>
    private static ProblemHttpResult Refused(string slug, string? reason) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "The change was refused", detail: $"'{slug}' could not be changed: {reason}.");

    private static ProblemHttpResult Conflict(Post? current) => TypedResults.Problem(
        statusCode: StatusCodes.Status412PreconditionFailed,
        title: "The post changed",
        detail: current is null
            ? "The post was changed or deleted since you loaded it."
            : $"The post was changed since you loaded it (it is now version {current.Version}). Reload it and apply your edit again.",
        extensions: current is null ? null : new Dictionary<string, object?> { ["currentVersion"] = current.Version });
}
