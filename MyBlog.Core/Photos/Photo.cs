namespace MyBlog.Core.Photos;

public static class PhotoStatus
{
    public const string AwaitingUpload = "awaiting-upload";
    public const string Ready = "ready";
    public const string Failed = "failed";
}

/// <summary>A photo as recorded: what was declared, and what the thumbnail worker made of it.</summary>
public sealed record Photo(
    string Id,
    string FileName,
    string ContentType,
    long DeclaredSize,
    string Status,
    string? FailureReason,
    DateTimeOffset CreatedAt)
{
    /// <summary>Where the original is uploaded: <c>uploads/{photoId}/original</c> in the uploads bucket.</summary>
    public static string OriginalKey(string photoId) => $"uploads/{photoId}/original";

    public static bool IsValidId(string? id) => id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
