namespace MyBlog.Core.Uploads;

/// <summary>
/// What the editor declares before it uploads a file straight to storage (a photo, a blog archive); checked against
/// its kind's <see cref="UploadRules"/> before any upload URL is issued.
/// </summary>
public sealed record UploadRequest(string? FileName, string? ContentType, long? Size);

/// <summary>What one kind of upload accepts, and how a refusal reads.</summary>
/// <param name="Noun">What is uploaded, as a refusal's title names it ("Photo", "Archive").</param>
/// <param name="TypesError">The error for any other content type, naming the accepted ones.</param>
/// <param name="TooLargeDetail">The problem's detail for a declared size above <paramref name="MaxBytes"/>.</param>
public sealed record UploadRules(string Noun, long MaxBytes, IReadOnlySet<string> AcceptedTypes, string TypesError, string TooLargeDetail)
{
    /// <summary>Longer names are refused: they become object metadata and the editor's lists.</summary>
    public const int MaxFileNameLength = 255;

    public bool IsTooLarge(UploadRequest upload) => upload.Size > MaxBytes;

    /// <summary>Each field's errors; none when the declaration is acceptable (its size aside: see <see cref="IsTooLarge"/>).</summary>
    public Dictionary<string, string[]> Errors(UploadRequest upload)
    {
        var errors = new Dictionary<string, string[]>();
        var name = upload.FileName?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors["fileName"] = ["A file name is required."];
        }
        else if (name.Length > MaxFileNameLength || name.Any(char.IsControl))
        {
            errors["fileName"] = [$"A file name is at most {MaxFileNameLength} characters, without control characters."];
        }
        if (upload.ContentType is null || !AcceptedTypes.Contains(upload.ContentType))
        {
            errors["contentType"] = [TypesError];
        }
        if (upload.Size is null or <= 0)
        {
            errors["size"] = ["The size in bytes is required and must be positive."];
        }
        return errors;
    }
}
