using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Photos;

namespace MyBlog.Api.Apis;

/// <summary>Where photos are uploaded. Bound from "Photos".</summary>
public sealed class PhotosOptions
{
    public const string Section = "Photos";

    public string UploadsBucket { get; set; } = MyBlogBuckets.Uploads;

    public TimeSpan UploadUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Presign against the S3 Transfer Acceleration endpoint (AWS mode; the uploads bucket has it enabled).</summary>
    public bool TransferAcceleration { get; set; }
}

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
        admin.MapPost("/", CreateUploadAsync).WithName("CreatePhotoUpload").WithSummary("A presigned PUT for one photo (JPEG, PNG, WebP, GIF; ≤ 25 MB).");
        admin.MapGet("/{photoId}", GetAsync).WithName("GetPhoto").WithSummary("A photo's status and, once ready, its variants' URLs.");
        return app;
    }

    public static async Task<Results<Created<PhotoUploadTicket>, ValidationProblem, ProblemHttpResult>> CreateUploadAsync(
        HttpRequest request, PhotoStore photos, UploadUrlSigner signer, IOptions<PhotosOptions> options, TimeProvider time, CancellationToken ct)
    {
        var (upload, problem) = await RequestBody.ReadJsonAsync(request, 4 * 1024, Example, ApiJson.Default.PhotoUploadRequest, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (upload!.TooLarge)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Photo too large",
                detail: $"A photo can be at most {PhotoUploadRequest.MaxBytes / (1024 * 1024)} MB.");
        }
        if (!upload.TryValidate(out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "The photo cannot be uploaded");
        }

        var traceParent = Activity.Current?.Id;
        var photo = await photos.CreateAsync(upload, traceParent, ct);
        var ticket = await signer.SignAsync(photo, traceParent, time.GetUtcNow().Add(options.Value.UploadUrlLifetime));
        return TypedResults.Created($"/api/admin/photos/{photo.Id}", ticket);
    }

    public static async Task<Results<Ok<PhotoDto>, ProblemHttpResult>> GetAsync(string photoId, PhotoStore photos, CancellationToken ct)
    {
        var photo = await photos.GetAsync(photoId, ct);
        return photo is null
            ? TypedResults.Problem(statusCode: 404, title: "Photo not found", detail: $"There is no photo '{photoId}'.")
            : TypedResults.Ok(PhotoDto.From(photo));
    }
}
