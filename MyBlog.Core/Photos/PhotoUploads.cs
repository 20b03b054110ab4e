using MyBlog.Core.Uploads;

namespace MyBlog.Core.Photos;

/// <summary>What a photo upload accepts: the formats the thumbnail worker decodes; SVG is refused (it can carry script).</summary>
public static class PhotoUploads
{
    public const long MaxBytes = 25L * 1024 * 1024;

    public static UploadRules Rules { get; } = new(
        Noun: "Photo",
        MaxBytes: MaxBytes,
        AcceptedTypes: new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "image/jpeg", "image/png", "image/webp", "image/gif" },
        TypesError: "Photos are JPEG, PNG, WebP or GIF (image/jpeg, image/png, image/webp, image/gif).",
        TooLargeDetail: $"A photo can be at most {MaxBytes / (1024 * 1024)} MB.");
}
