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
    public const string OriginalsPrefix = "uploads/";

    /// <summary>An original's state tag: uploads carry "unprocessed" until the worker has made the variants.</summary>
    public const string StatusTagKey = "myblog-status";
    public const string UnprocessedTagValue = "unprocessed";
    public const string ProcessedTagValue = "processed";
    public static readonly string UnprocessedTagging = $"{StatusTagKey}={UnprocessedTagValue}";

    /// <summary>The variants, once the photo is ready.</summary>
    public PhotoImage? Image { get; init; }

    /// <summary>The sniffed format of the original ("jpeg", "png", "webp", "gif") and its size in bytes, once processed.</summary>
    public string? Format { get; init; }

    public long? OriginalBytes { get; init; }

    /// <summary>The ETag of the original the worker processed: a redelivered event for the same upload is recognised.</summary>
    public string? SourceETag { get; init; }

    /// <summary>Where the original is uploaded: <c>uploads/{photoId}/original</c> in the uploads bucket.</summary>
    public static string OriginalKey(string photoId) => $"{OriginalsPrefix}{photoId}/original";

    /// <summary>The photo id of an original's key, or null for any other key.</summary>
    public static string? IdFromOriginalKey(string key)
    {
        var parts = key.Split('/');
        return parts is ["uploads", var id, "original"] && IsValidId(id) ? id : null;
    }

    public static bool IsValidId(string? id) => id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}

/// <summary>
/// A processed photo as readers get it: its upright size and the widths it exists in, each as WebP and JPEG at
/// <c>/media/{id}/{width}.{webp|jpg}</c> — immutable URLs, so the edge and browsers cache them for a year.
/// </summary>
public sealed record PhotoImage(string Id, int Width, int Height, IReadOnlyList<int> Widths)
{
    public const string ImmutableCacheControl = "public, max-age=31536000, immutable";

    public static string VariantKey(string photoId, int width, string extension) => $"media/{photoId}/{width}.{extension}";

    public string Url(int width, string extension) => "/" + VariantKey(Id, width, extension);

    public int HeightAt(int width) => Math.Max(1, (int)Math.Round(Height * (double)width / Width));

    public int LargestWidth => Widths[^1];
}
