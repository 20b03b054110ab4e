using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using MyBlog.Api.Hosting;
using MyBlog.Api.Staff;
using MyBlog.Api.Imports;
using MyBlog.Api.Uploads;
using MyBlog.Core.Staff;
using MyBlog.Core.Imports;
using MyBlog.Core.Uploads;
using MyBlog.Core.Subscribers;

namespace MyBlog.Api.Subscribers;

/// <summary>One subscriber in the author's list.</summary>
public sealed record SubscriberRowDto(
    string Id, string Email, string? Name, string Status, DateTimeOffset? SubscribedAt, DateTimeOffset? ConfirmedAt,
    DateTimeOffset? UnsubscribedAt, string? MailBlocked)
{
    public static SubscriberRowDto From(SubscriberRow row) => new(row.Id, row.Email, row.Name, StatusName(row.State), row.SubscribedAt,
        row.ConfirmedAt, row.UnsubscribedAt, row.MailBlocked);

    public static string StatusName(SubscriberState state) => state.ToString().ToLowerInvariant();
}

/// <param name="Next">The cursor of the next page (pass it as <c>cursor</c>), or null after the last.</param>
public sealed record SubscriberListDto(IReadOnlyList<SubscriberRowDto> Subscribers, string? Next);

/// <param name="CountedAt">When these were counted: the counts are kept and recounted within a minute or two while the author looks.</param>
public sealed record SubscriberCountsDto(int Total, int Pending, int Confirmed, int Unsubscribed, int Bounced, int Complained, DateTimeOffset CountedAt)
{
    public static SubscriberCountsDto From(SubscriberCounts c, DateTimeOffset countedAt) =>
        new(c.Total, c.Pending, c.Confirmed, c.Unsubscribed, c.Bounced, c.Complained, countedAt);
}

/// <summary>
/// The author's subscribers: the list (by status, searched by the start of the address, a page at a time), the
/// counts, an export in CSV, an import of another platform's export, and erasure on a subscriber's request.
/// </summary>
public static class AdminSubscribersApi
{
    private const string ImportExample = """{"fileName": "members.2026-01-31.csv", "contentType": "text/csv", "size": 1800000}""";

    public static IEndpointRouteBuilder MapAdminSubscribersApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("/api/admin/subscribers", StaffRole.Owner);
        admin.MapGet("/", ListAsync).WithName("ListSubscribers")
            .WithSummary("Subscribers in address order, a page at a time: `status` (pending, confirmed, unsubscribed, bounced, complained; all when absent), `q` (the start of the address), `cursor` (the `next` of the page before), `limit` (1–500, default 50).");
        admin.MapGet("/counts", CountAsync).WithName("CountSubscribers")
            .WithSummary("How many subscribers are in each status, as counted at `countedAt` (recounted within a minute or two while someone asks).");
        admin.MapGet("/export", ExportAsync).WithName("ExportSubscribers")
            .WithSummary("Every subscriber as CSV (email, name, status, subscribed_at, confirmed_at, unsubscribed_at, mail_blocked), in parts of at most `limit` (default and most 20,000) rows: a part with more after it links the next (`Link: <…>; rel=\"next\"`). An import reads it back.");
        admin.MapDelete("/{id}", EraseAsync).WithName("EraseSubscriber")
            .WithSummary("Erases a subscriber on their request: the subscriber and everything kept about the address, in every region.");
        admin.MapPost("/imports", CreateImportAsync).Accepts<UploadRequest>("application/json").WithName("CreateSubscriberImport")
            .WithSummary("A presigned PUT for one CSV: an export from Ghost, Substack, Mailchimp, Buttondown or MyBlog, or any list with an `email` column; follow it at /api/admin/imports/{importId}.");
        return app;
    }

    public static async Task<Results<Ok<SubscriberListDto>, ValidationProblem>> ListAsync(
        string? status, string? q, string? cursor, int? limit, HttpResponse response, SubscriberDirectory directory, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        SubscriberState? state = null;
        if (status is not null)
        {
            if (SubscriberStates.TryParse(status, out var parsed))
            {
                state = parsed;
            }
            else
            {
                errors["status"] = ["One of pending, confirmed, unsubscribed, bounced or complained."];
            }
        }
        if (limit is < 1 or > SubscriberDirectory.MaxPageSize)
        {
            errors["limit"] = [$"From 1 to {SubscriberDirectory.MaxPageSize}."];
        }
        if (q is { Length: > EmailAddress.MaxLength })
        {
            errors["q"] = [$"At most {EmailAddress.MaxLength} characters: the start of an address."];
        }
        SubscriberPage? page = null;
        if (errors.Count == 0)
        {
            try
            {
                page = await directory.PageAsync(state, q, cursor, limit ?? SubscriberDirectory.DefaultPageSize, ct);
            }
            catch (FormatException)
            {
                errors["cursor"] = ["Not a cursor this list gave; start from the first page."];
            }
        }
        if (page is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The list cannot be read that way");
        }
        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new SubscriberListDto([.. page.Subscribers.Select(SubscriberRowDto.From)], page.Next));
    }

    public static async Task<Ok<SubscriberCountsDto>> CountAsync(HttpResponse response, SubscriberTally tally, CancellationToken ct)
    {
        response.Headers.CacheControl = "no-store";
        var (counts, countedAt) = await tally.ReadAsync(ct);
        return TypedResults.Ok(SubscriberCountsDto.From(counts, countedAt));
    }

    /// <summary>
    /// The export comes in parts of at most 20,000 rows (one API response on AWS carries at most 6 MB): the first part
    /// starts with the header, and a part with more after it says where in a <c>Link: &lt;…&gt;; rel="next"</c> header
    /// (RFC 8288). The editor joins the parts into one file; a script follows the links.
    /// </summary>
    public static async Task<Results<ContentHttpResult, ValidationProblem>> ExportAsync(
        string? cursor, int? limit, HttpResponse response, SubscriberDirectory directory, TimeProvider time, CancellationToken ct)
    {
        if (limit is < 1 or > SubscriberDirectory.MaxExportPart)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"From 1 to {SubscriberDirectory.MaxExportPart}."] },
                title: "The export cannot be read that way");
        }
        SubscriberPage part;
        try
        {
            part = await directory.ExportPartAsync(cursor, limit ?? SubscriberDirectory.MaxExportPart, ct);
        }
        catch (FormatException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = ["Not a cursor this export gave; start from the first part."] },
                title: "The export cannot be read that way");
        }
        var csv = new StringBuilder();
        if (cursor is null)
        {
            csv.Append(string.Join(',', SubscriberCsv.Columns)).Append("\r\n");
        }
        foreach (var row in part.Subscribers)
        {
            SubscriberCsv.AppendRow(csv, row);
        }
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentDisposition = $"attachment; filename=\"subscribers-{time.GetUtcNow():yyyy-MM-dd}.csv\"";
        if (part.Next is { } next)
        {
            var query = $"cursor={Uri.EscapeDataString(next)}" + (limit is { } l ? $"&limit={l}" : "");
            response.Headers.Link = $"</api/admin/subscribers/export?{query}>; rel=\"next\"";
        }
        return TypedResults.Content(csv.ToString(), "text/csv; charset=utf-8");
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> EraseAsync(string id, SubscriberErasure erasure, CancellationToken ct) =>
        await erasure.EraseAsync(id, ct)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Subscriber not found", detail: $"There is no subscriber '{id}'.");

    public static Task<Results<Created<ImportTicket>, ValidationProblem, ProblemHttpResult>> CreateImportAsync(
        HttpRequest request, ImportStore imports, UploadUrlSigner signer, TimeProvider time, CancellationToken ct) =>
        AdminImportsApi.DeclareAsync(request, SubscriberImportUploads.Rules, ImportExample, ImportJob.SubscribersKey, imports, signer, time, ct);
}
