using MyBlog.Core.Text;

namespace MyBlog.Core.Posts;

public enum PostStatus
{
    Draft,
    Published,
}

/// <summary>
/// A post goes to the home page, the archive, its tags, the feeds and (when first published) the subscribers' inboxes.
/// A page (About, Contact, Now) is written the same way but lives at a top-level address, outside all of those; it
/// may be linked from the site's navigation.
/// </summary>
public enum PostKind
{
    Post,
    Page,
}

/// <summary>A post as stored. <see cref="Version"/> increases with every change (optimistic concurrency).</summary>
public sealed record Post(
    string Slug,
    string Title,
    string Markdown,
    IReadOnlyList<string> Tags,
    string? Excerpt,
    PostStatus Status,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? PublishedAt)
{
    /// <summary>
    /// The post's own id, which no later post shares even under the same slug; given when it is created (posts from
    /// before ids get theirs when first published). Null for a post that has neither.
    /// </summary>
    public string? Id { get; init; }

    /// <summary>
    /// The post's newsletter job (<see cref="Newsletter.NewsletterStore"/>): named by its id, so a new post under a slug
    /// an emailed, deleted post had is emailed in turn; a post emailed before ids existed keeps its slug-named job.
    /// </summary>
    public string NewsletterJob => Id ?? Slug;

    /// <summary>A photo shown above the post and used as its Open Graph image.</summary>
    public string? CoverPhotoId { get; init; }

    /// <summary>Email the post to the confirmed subscribers when it is first published (the default), or not.</summary>
    public bool SendEmail { get; init; } = true;

    /// <summary>When a draft is to be published by itself (<see cref="PublishSchedule"/>); null: not scheduled.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>A post, or a page (<see cref="PostKind"/>); fixed when it is created.</summary>
    public PostKind Kind { get; init; }

    /// <summary>For a page: linked from the navigation of every page of the site, in the order of the pages' titles.</summary>
    public bool InNavigation { get; init; }

    /// <summary>Where the post or page is published.</summary>
    public string Path => PostSummary.PathFor(Slug, Kind);

    /// <summary>What the archive said when this post was last imported (<see cref="Imports.ImportedPost.Hash"/>); null for a post written here.</summary>
    public string? ImportHash { get; init; }

    /// <summary>
    /// The blog and file it was imported from (<see cref="Imports.ImportedPost.Source"/>): an import updates only a post
    /// it made from the same source. Null for a post written here.
    /// </summary>
    public string? ImportSource { get; init; }

    /// <summary>
    /// The addresses the post had on the blog it was imported from (<see cref="OldPaths"/>): each answers with a
    /// permanent redirect to the post's address here, so readers' bookmarks and other sites' links keep working.
    /// </summary>
    public IReadOnlyList<string> OldPaths { get; init; } = [];

    /// <summary>The HTML with plain images; <see cref="PostContent.ToHtml"/> with the photos gives responsive ones.</summary>
    public string Html => PostContent.ToHtml(Markdown);

    /// <summary>The photos this post shows (cover first), to look up before rendering.</summary>
    public IEnumerable<string> PhotoIds() =>
        (CoverPhotoId is null ? [] : new[] { CoverPhotoId }).Concat(Photos.PhotoMarkup.ReferencedIds(Markdown)).Distinct();

    public PostSummary ToSummary()
    {
        var (excerpt, minutes) = PostContent.Describe(Markdown, Excerpt);
        return Summary(excerpt, minutes);
    }

    /// <summary>The page's HTML (<see cref="PostContent.ToHtml"/>) and the summary, from one parse of the text.</summary>
    public (string Html, PostSummary Summary) Render(IReadOnlyDictionary<string, Photos.PhotoImage>? photos = null, bool lazyFromFirst = false)
    {
        var (html, excerpt, minutes) = PostContent.Render(Markdown, Excerpt, photos, lazyFromFirst);
        return (html, Summary(excerpt, minutes));
    }

    private PostSummary Summary(string excerpt, int minutes) =>
        new(Slug, Title, excerpt, Tags, Status, Version, CreatedAt, UpdatedAt, PublishedAt, minutes) { Kind = Kind };
}

/// <summary>
/// What lists show: everything but the body. Stored on the item at write time and projected into the list index,
/// so listing 2,000 posts never reads 2,000 Markdown bodies.
/// </summary>
public sealed record PostSummary(
    string Slug,
    string Title,
    string Summary,
    IReadOnlyList<string> Tags,
    PostStatus Status,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? PublishedAt,
    int ReadingMinutes)
{
    /// <summary>A post, or a page (the list it was read from says which).</summary>
    public PostKind Kind { get; init; }

    public string Path => PathFor(Slug, Kind);

    public static string PathFor(string slug) => $"/posts/{slug}/";

    /// <summary>A post under <c>/posts/</c>; a page at the top level (<c>/about/</c>).</summary>
    public static string PathFor(string slug, PostKind kind) => kind == PostKind.Page ? $"/{slug}/" : PathFor(slug);

    /// <summary>
    /// Slugs a page may not have: the site's own top-level addresses (its lists, assets, editor and API) and the
    /// names CloudFront and the buckets route by.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedPageSlugs = new HashSet<string>(StringComparer.Ordinal)
    {
        "admin", "api", "assets", "imports", "media", "page", "posts", "subscribed", "tags", "uploads",
    };
}

/// <summary>What an author sends to create or replace a post.</summary>
/// <param name="Kind">"post" (the default) or "page"; read when the post is created, fixed after.</param>
/// <param name="InNavigation">For a page: linked from the site's navigation. Null keeps what it was (a new page: not linked).</param>
public sealed record PostInput(string? Title, string? Markdown, IReadOnlyList<string?>? Tags, string? Excerpt, string? CoverPhotoId = null,
    bool? SendEmail = null, string? Kind = null, bool? InNavigation = null)
{
    public const int MaxTitleLength = 200;
    public const int MaxExcerptLength = 500;
    public const int MaxTags = 20;
    public const int MaxTagLength = 40;

    /// <summary>DynamoDB items stop at 400 KB; the Markdown may take most of that.</summary>
    public const int MaxMarkdownBytes = 300 * 1024;

    public bool TryValidate(out ValidPost post, out Dictionary<string, string[]> errors)
    {
        errors = [];
        post = default!;
        var title = Title?.Trim();
        if (string.IsNullOrEmpty(title))
        {
            errors["title"] = ["A title is required."];
        }
        else if (title.Length > MaxTitleLength)
        {
            errors["title"] = [$"A title can be at most {MaxTitleLength} characters long."];
        }
        else if (title.Any(char.IsControl))
        {
            errors["title"] = ["A title cannot contain control characters or line breaks."];
        }
        else if (XmlChars.FirstInvalid(title) is { } bad)
        {
            errors["title"] = [$"A title cannot contain {bad}: feeds and sitemaps cannot carry it."];
        }

        if (Markdown is null)
        {
            errors["markdown"] = ["The post's Markdown is required (it may be empty text)."];
        }
        else if (XmlChars.FirstInvalid(Markdown) is { } bad)
        {
            errors["markdown"] = [$"The Markdown contains {bad}, a character feeds cannot carry; remove it."];
        }
        else if (System.Text.Encoding.UTF8.GetByteCount(Markdown) > MaxMarkdownBytes)
        {
            errors["markdown"] = [$"The Markdown can be at most {MaxMarkdownBytes / 1024} KB."];
        }
        else if (PostContent.Pathology(Markdown) is { } pathology)
        {
            errors["markdown"] = [$"The Markdown {pathology}."];
        }

        var tags = new List<string>();
        foreach (var raw in Tags ?? [])
        {
            var tag = XmlChars.FirstInvalid(raw) is null ? NormalizeTag(raw) : null;
            if (tag is null)
            {
                errors["tags"] = [$"Tags are 1 to {MaxTagLength} letters, digits, spaces or hyphens."];
                break;
            }
            if (!tags.Contains(tag))
            {
                tags.Add(tag);
            }
        }
        if (tags.Count > MaxTags)
        {
            errors["tags"] = [$"A post can have at most {MaxTags} tags."];
        }

        var excerpt = string.IsNullOrWhiteSpace(Excerpt) ? null : Excerpt.Trim();
        if (excerpt is { Length: > MaxExcerptLength })
        {
            errors["excerpt"] = [$"An excerpt can be at most {MaxExcerptLength} characters long."];
        }
        else if (XmlChars.FirstInvalid(excerpt) is { } bad)
        {
            errors["excerpt"] = [$"An excerpt cannot contain {bad}: feeds cannot carry it."];
        }

        var cover = string.IsNullOrWhiteSpace(CoverPhotoId) ? null : CoverPhotoId.Trim();
        if (cover is not null && !Photos.Photo.IsValidId(cover))
        {
            errors["coverPhotoId"] = ["The cover photo is a photo id from POST /api/admin/photos."];
        }

        var kind = PostKind.Post;
        if (Kind is not null && !Enum.TryParse(Kind, ignoreCase: true, out kind) || !Enum.IsDefined(kind) || int.TryParse(Kind, out _))
        {
            errors["kind"] = ["Either \"post\" or \"page\"."];
        }
        else if (kind == PostKind.Page && tags.Count > 0)
        {
            errors["tags"] = ["A page has no tags: it is not in the lists tags make."];
        }
        else if (kind == PostKind.Post && InNavigation == true)
        {
            errors["inNavigation"] = ["Only a page can be linked from the navigation."];
        }

        if (errors.Count > 0)
        {
            return false;
        }
        post = new ValidPost(title!, Markdown!, tags, excerpt) { CoverPhotoId = cover, SendEmail = SendEmail, Kind = kind, InNavigation = InNavigation };
        return true;
    }

    /// <summary>Tags are compared and linked by their slug form: "Dot NET" and "dot-net" are one tag.</summary>
    public static string? NormalizeTag(string? raw)
    {
        var trimmed = raw?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxTagLength || trimmed.Any(char.IsControl))
        {
            return null;
        }
        var slug = Slug.From(trimmed);
        return slug == "post" && !trimmed.Equals("post", StringComparison.OrdinalIgnoreCase) ? null : slug;
    }
}

public sealed record ValidPost(string Title, string Markdown, IReadOnlyList<string> Tags, string? Excerpt)
{
    public string? CoverPhotoId { get; init; }

    /// <summary>Null: keep what the post says (a new post: send).</summary>
    public bool? SendEmail { get; init; }

    public PostKind Kind { get; init; }

    /// <summary>Null: keep what the page says (a new page: not linked).</summary>
    public bool? InNavigation { get; init; }
}
