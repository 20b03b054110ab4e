using System.Security.Cryptography;
using System.Text;
using MyBlog.Core.Posts;

namespace MyBlog.Core.Imports;

/// <summary>
/// A post as an archive gives it, checked by the same rules as the editor's (<see cref="PostInput"/>), with its
/// original dates. <see cref="Hash"/> is what makes a second import of the same archive change nothing;
/// <see cref="Source"/> (the blog and the file, or the engine's own id for the post) is what lets an import update only
/// the posts it made.
/// </summary>
public sealed record ImportedPost(
    string Slug, ValidPost Content, bool Draft, DateTimeOffset Date, DateTimeOffset Updated, string Source)
{
    /// <summary>The post's addresses on the old blog (<see cref="OldUrls"/>), answered with redirects to its new one.</summary>
    public IReadOnlyList<string> OldPaths { get; init; } = [];

    public string Hash
    {
        get
        {
            var text = string.Join('\u001f', Slug, Content.Title, Content.Markdown, string.Join('\u001e', Content.Tags), Content.Excerpt ?? "",
                Content.CoverPhotoId ?? "", Draft ? "draft" : "published", Date.UtcTicks, Updated.UtcTicks);
            // A page's hash says so; a post's is what it always was, so archives imported before pages stay unchanged.
            text += Content.Kind == PostKind.Page ? "\u001fpage" : "";
            // Likewise the old addresses: only a post that has some says so.
            text += OldPaths.Count > 0 ? "\u001f" + string.Join('\u001e', OldPaths) : "";
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
        }
    }
}

public enum ImportWrite
{
    Imported,
    Updated,
    Unchanged,
}
