using MyBlog.Core.Posts;

namespace MyBlog.Api.Posts;

/// <summary>A post as the admin API shows it to its author.</summary>
public sealed record PostDto(
    string Slug, string Title, string Markdown, string Html, IReadOnlyList<string> Tags, string? Excerpt,
    string Status, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? PublishedAt,
    int ReadingMinutes, string Url, string? CoverPhotoId, bool SendEmail, DateTimeOffset? ScheduledAt, string Kind, bool InNavigation)
{
    public static PostDto From(Post post) => new(
        post.Slug, post.Title, post.Markdown, post.Html, post.Tags, post.Excerpt,
        post.Status.ToString().ToLowerInvariant(), post.Version, post.CreatedAt, post.UpdatedAt, post.PublishedAt,
        post.ToSummary().ReadingMinutes, post.Path, post.CoverPhotoId, post.SendEmail, post.ScheduledAt,
        post.Kind.ToString().ToLowerInvariant(), post.InNavigation);

    /// <summary>The version as an entity tag, for If-Match.</summary>
    public static string ETag(Post post) => $"\"v{post.Version}\"";
}

/// <summary>A published post as the public API shows it (no Markdown source, no drafts).</summary>
/// <summary>A post in a list: the admin's (with status and version) and the public one share this shape.</summary>
public sealed record PostSummaryDto(string Slug, string Title, string Excerpt, IReadOnlyList<string> Tags, string Status,
    int Version, DateTimeOffset UpdatedAt, DateTimeOffset? PublishedAt, int ReadingMinutes, string Url, DateTimeOffset? ScheduledAt = null)
{
    public static PostSummaryDto From(PostSummary post, DateTimeOffset? scheduledAt = null) => new(post.Slug, post.Title, post.Summary, post.Tags,
        post.Status.ToString().ToLowerInvariant(), post.Version, post.UpdatedAt, post.PublishedAt, post.ReadingMinutes, post.Path, scheduledAt);
}

public sealed record PublicPostSummary(string Slug, string Title, string Excerpt, IReadOnlyList<string> Tags,
    DateTimeOffset PublishedAt, int ReadingMinutes, string Url)
{
    public static PublicPostSummary From(PostSummary post) =>
        new(post.Slug, post.Title, post.Summary, post.Tags, post.PublishedAt!.Value, post.ReadingMinutes, post.Path);
}

public sealed record PublicPost(string Slug, string Title, string Html, string Excerpt, IReadOnlyList<string> Tags,
    DateTimeOffset PublishedAt, DateTimeOffset UpdatedAt, int ReadingMinutes, string Url)
{
    public static PublicPost From(Post post)
    {
        var summary = post.ToSummary();
        return new(post.Slug, post.Title, post.Html, summary.Summary, post.Tags, post.PublishedAt!.Value, post.UpdatedAt,
            summary.ReadingMinutes, summary.Path);
    }
}

public sealed record PostList<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>The body of PUT: the post's fields and, instead of If-Match, the version it was edited from.</summary>
public sealed record PostUpdate(string? Title, string? Markdown, IReadOnlyList<string?>? Tags, string? Excerpt, int? Version, string? CoverPhotoId = null,
    bool? SendEmail = null, bool? InNavigation = null)
{
    /// <summary>The fields as an input for a post or page of <paramref name="kind"/> (an update never changes it).</summary>
    public PostInput InputFor(PostKind kind) => new(Title, Markdown, Tags, Excerpt, CoverPhotoId, SendEmail, kind.ToString().ToLowerInvariant(), InNavigation);
}

public sealed record PreviewRequest(string? Markdown);

/// <summary>The optional body of publish: a time to publish at, and the email choice.</summary>
public sealed record PublishRequest(string? At, bool? SendEmail)
{
    /// <summary>An ISO 8601 time that says its offset (Z or ±hh:mm): a bare local time would mean the server's zone.</summary>
    public static bool TryParseAt(string text, out DateTimeOffset at)
    {
        at = default;
        var trimmed = text.Trim();
        var hasOffset = trimmed.EndsWith('Z') || trimmed.EndsWith('z')
            || trimmed.Length > 6 && (trimmed[^6] is '+' or '-') && trimmed[^3] == ':';
        return hasOffset && trimmed.Contains('T') && DateTimeOffset.TryParse(trimmed, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.None, out at);
    }
}

public sealed record PreviewResponse(string Html, int ReadingMinutes);
