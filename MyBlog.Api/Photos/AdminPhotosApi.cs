using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MyBlog.Api.Hosting;
using MyBlog.Api.Staff;
using MyBlog.Api.Uploads;
using MyBlog.Core;
using MyBlog.Core.Photos;
using MyBlog.Core.Storage;
using MyBlog.Core.Uploads;

namespace MyBlog.Api.Photos;

/// <summary>The upload URL in the answer: what to send, where, and until when.</summary>
public sealed record PhotoUploadTicket(string PhotoId, string UploadUrl, string Method, IReadOnlyDictionary<string, string> Headers, DateTimeOffset ExpiresAt);

/// <summary>A photo's status; once ready, its upright size and every variant's URL (served by the edge under /media/).</summary>
public sealed record PhotoDto(
    string PhotoId, string FileName, string ContentType, string Status, string? FailureReason, DateTimeOffset CreatedAt,
    int? Width, int? Height, string? Format, long? OriginalBytes, IReadOnlyList<PhotoVariantDto> Variants)
{
    public static PhotoDto From(Photo photo) => new(photo.Id, photo.FileName, photo.ContentType, photo.Status, photo.FailureReason,
        photo.CreatedAt, photo.Image?.Width, photo.Image?.Height, photo.Format, photo.OriginalBytes,
        photo.Image is { } image
            ? image.Widths.Select(w => new PhotoVariantDto(w, image.HeightAt(w), image.Url(w, "webp"), image.Url(w, "jpg"))).ToList()
            : []);
}

public sealed record PhotoVariantDto(int Width, int Height, string Webp, string Jpeg);

/// <summary>
/// Photos go straight from the author's browser to storage, never through Lambda: the API checks the declared
/// file and answers a presigned PUT bound to its content type, valid for 15 minutes, carrying the trace context
/// as object metadata so the thumbnail worker continues the same trace.
/// </summary>
public static class AdminPhotosApi
{
    private const string Example = """{"fileName": "beach.jpg", "contentType": "image/jpeg", "size": 2400000}""";

    public static IEndpointRouteBuilder MapAdminPhotosApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("/api/admin/photos");
        admin.MapPost("/", CreateUploadAsync).Accepts<UploadRequest>("application/json").WithName("CreatePhotoUpload").WithSummary("A presigned PUT for one photo (JPEG, PNG, WebP, GIF; ≤ 25 MB).");
        admin.MapGet("/{photoId}", GetAsync).WithName("GetPhoto").WithSummary("A photo's status and, once ready, its variants' URLs.");
        return app;
    }

    public static Task<Results<Created<PhotoUploadTicket>, ValidationProblem, ProblemHttpResult>> CreateUploadAsync(
        HttpRequest request, PhotoStore photos, UploadUrlSigner signer, TimeProvider time, CancellationToken ct) =>
        UploadEndpoint.DeclareAsync(request, PhotoUploads.Rules, Example, signer, time, async (upload, expires) =>
        {
            var traceParent = Activity.Current?.Id;
            var photo = await photos.CreateAsync(upload, traceParent, ct);
            // Tagged unprocessed: the uploads bucket's lifecycle rule deletes originals that keep this tag (never processed).
            var (url, headers) = await signer.SignPutAsync(Photo.OriginalKey(photo.Id), photo.ContentType, photo.DeclaredSize, traceParent, expires, Photo.UnprocessedTagging);
            return ($"/api/admin/photos/{photo.Id}", new PhotoUploadTicket(photo.Id, url, "PUT", headers, expires));
        }, ct);

    public static async Task<Results<Ok<PhotoDto>, ProblemHttpResult>> GetAsync(string photoId, PhotoStore photos, CancellationToken ct)
    {
        var photo = await photos.GetAsync(photoId, ct);
        return photo is null
            ? TypedResults.Problem(statusCode: 404, title: "Photo not found", detail: $"There is no photo '{photoId}'.")
            : TypedResults.Ok(PhotoDto.From(photo));
    }
}
