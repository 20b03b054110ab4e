using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using MyBlog.Api.Hosting;
using MyBlog.Api.Staff;
using MyBlog.Api.Uploads;
using MyBlog.Core.Imports;
using MyBlog.Core.Uploads;

namespace MyBlog.Api.Imports;

/// <summary>The upload URL of an archive: what to send, where, and until when.</summary>
public sealed record ImportTicket(string ImportId, string UploadUrl, string Method, IReadOnlyDictionary<string, string> Headers, DateTimeOffset ExpiresAt);

/// <summary>An import as the author follows it: its state and each file's outcome.</summary>
/// <param name="Stalled">Running, but nobody is running it now (the last run stopped midway); the queue tries it again later.</param>
public sealed record ImportDto(
    string ImportId, string FileName, string Status, string? Format, string? Error, IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<ImportFileResult> Results, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, bool Stalled)
{
    public static ImportDto From(ImportJob job, DateTimeOffset now) => new(job.Id, job.FileName, job.Status, job.Format, job.Error,
        new[] { ImportOutcome.Imported, ImportOutcome.Updated, ImportOutcome.Skipped, ImportOutcome.Failed }
            .ToDictionary(s => s, s => job.Tally is { } tally ? tally.GetValueOrDefault(s) : job.Results.Count(r => r.Status == s)),
        job.Results, job.CreatedAt, job.FinishedAt, job.IsStalled(now));
}

/// <summary>
/// Importing an old blog. Archives never pass through the API (API Gateway stops a request at 10 MB, Lambda a
/// payload at 6 MB): the author declares the .zip, gets a presigned PUT, the browser sends it straight to the uploads
/// bucket, and its S3 event starts the import worker; the author follows the results here.
/// </summary>
public static class AdminImportsApi
{
    private const string Example = """{"fileName": "my-hugo-site.zip", "contentType": "application/zip", "size": 4200000}""";

    public static IEndpointRouteBuilder MapAdminImportsApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("/api/admin/imports");
        admin.MapPost("/", CreateAsync).Accepts<UploadRequest>("application/json").WithName("CreateImport")
            .WithSummary("A presigned PUT for one .zip: a Hugo site (or its content/ folder), a Jekyll site, or a Ghost JSON export with its images; ≤ 200 MB.");
        admin.MapGet("/{importId}", GetAsync).WithName("GetImport").WithSummary("An import's status (pending, running, done, failed) and each file's result.");
        return app;
    }

    public static Task<Results<Created<ImportTicket>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ImportStore imports, UploadUrlSigner signer, TimeProvider time, CancellationToken ct) =>
        DeclareAsync(request, ImportUploads.Rules, Example, ImportJob.ArchiveKey, imports, signer, time, ct);

    /// <summary>Records an import of an upload the rules allow and signs its PUT to <paramref name="keyOf"/> its id.</summary>
    public static Task<Results<Created<ImportTicket>, ValidationProblem, ProblemHttpResult>> DeclareAsync(
        HttpRequest request, UploadRules rules, string example, Func<string, string> keyOf, ImportStore imports, UploadUrlSigner signer,
        TimeProvider time, CancellationToken ct) =>
        UploadEndpoint.DeclareAsync(request, rules, example, signer, time, async (upload, expires) =>
        {
            var job = await imports.CreateAsync(upload, ct, ofSubscribers: rules == SubscriberImportUploads.Rules);
            var (url, headers) = await signer.SignPutAsync(keyOf(job.Id), upload.ContentType!, upload.Size!.Value, Activity.Current?.Id, expires);
            return ($"/api/admin/imports/{job.Id}", new ImportTicket(job.Id, url, "PUT", headers, expires));
        }, ct);

    public static async Task<Results<Ok<ImportDto>, ProblemHttpResult>> GetAsync(
        string importId, HttpContext http, HttpResponse response, ImportStore imports, TimeProvider time, CancellationToken ct)
    {
        var job = await imports.GetAsync(importId, ct);
        // A subscriber list's results name readers: for owners only, and to an author it is not there at all.
        if (job is null || (job.OfSubscribers && StaffAuth.Caller(http).Person.Role != MyBlog.Core.Staff.StaffRole.Owner))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Import not found", detail: $"There is no import '{importId}'.");
        }
        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(ImportDto.From(job, time.GetUtcNow()));
    }
}
