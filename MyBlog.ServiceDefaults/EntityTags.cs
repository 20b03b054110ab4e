using Microsoft.Extensions.Primitives;

namespace MyBlog.ServiceDefaults;

/// <summary>
/// If-None-Match as HTTP reads it for a GET or HEAD: a list of entity tags, or "*", compared weakly — <c>W/"x"</c>
/// matches <c>"x"</c> — because a CDN that compresses an answer weakens its tag (CloudFront does), and the browser
/// then asks with the weak form. Read without allocating: it runs on every conditional read of a held page or list.
/// </summary>
public static class EntityTags
{
    /// <summary>Whether the client's If-None-Match names <paramref name="etag"/> (the answer is then a 304).</summary>
    public static bool Matches(StringValues ifNoneMatch, string etag)
    {
        var tag = Opaque(etag);
        foreach (var value in ifNoneMatch)
        {
            var rest = value.AsSpan();
            while (!rest.IsEmpty)
            {
                var comma = rest.IndexOf(',');
                var item = (comma < 0 ? rest : rest[..comma]).Trim();
                rest = comma < 0 ? default : rest[(comma + 1)..];
                if (item is "*" || (!item.IsEmpty && Opaque(item).SequenceEqual(tag)))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static ReadOnlySpan<char> Opaque(ReadOnlySpan<char> tag) => tag.StartsWith("W/") ? tag[2..] : tag;
}
