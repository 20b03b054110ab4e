namespace MyBlog.Core;

/// <summary>
/// The one rule for which paths the site can have, for everything in .NET that answers or names one: the local edge,
/// the API as the site bucket's fallback, and the importer's old addresses (which must be paths the edge would
/// answer). On AWS the CloudFront Functions apply the same rule, in JavaScript, to the URI as sent
/// (MyBlog.Infrastructure's Edge).
/// </summary>
public static class SitePaths
{
    public const int MaxLength = 1024;

    /// <summary>
    /// A path the site can have: one slash between segments, none empty, none starting with "." or "_" (the
    /// publisher's own files live under <c>_publisher/</c>), no backslash, percent sign or control character.
    /// Anything else is not a page of this site, however it is spelled.
    /// </summary>
    public static bool IsSitePath(ReadOnlySpan<char> path)
    {
        if (path.Length == 0 || path[0] != '/' || path.Length > MaxLength)
        {
            return false;
        }
        for (var i = 1; i < path.Length; i++)
        {
            var c = path[i];
            if (c is '\\' or '%' || char.IsControl(c))
            {
                return false;
            }
            // Each segment starts after a slash: not empty (unless it ends the path), not "." or "_" first.
            if (path[i - 1] == '/' && (c is '.' or '_' or '/'))
            {
                return false;
            }
        }
        return true;
    }
}
