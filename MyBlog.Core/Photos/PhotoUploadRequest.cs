namespace MyBlog.Core.Photos;

/// <summary>What the editor declares before uploading a photo; checked before any upload URL is issued.</summary>
public sealed record PhotoUploadRequest(string? FileName, string? ContentType, long? Size)
{
    public const long MaxBytes = 25L * 1024 * 1024;
    public const int MaxFileNameLength = 255;

    /// <summary>The formats the thumbnail worker decodes; SVG is refused (it can carry script).</summary>
    public static readonly IReadOnlySet<string> AcceptedTypes =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "image/jpeg", "image/png", "image/webp", "image/gif" };

    public bool TooLarge => Size > MaxBytes;

    public bool TryValidate(out Dictionary<string, string[]> errors)
    {
        errors = [];
        var name = FileName?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors["fileName"] = ["A file name is required."];
        }
        else if (name.Length > MaxFileNameLength || name.Any(char.IsControl))
        {
            errors["fileName"] = [$"A file name is at most {MaxFileNameLength} characters, without control characters."];
        }
        if (ContentType is null || !AcceptedTypes.Contains(ContentType))
        {
            errors["contentType"] = ["Photos are JPEG, PNG, WebP or GIF (image/jpeg, image/png, image/webp, image/gif)."];
        }
        if (Size is null or <= 0)
        {
            errors["size"] = ["The size in bytes is required and must be positive."];
        }
        return errors.Count == 0;
    }
}
