using MyBlog.Core.Posts;

namespace MyBlog.Api.Posts;

/// <summary>
/// Which tags published posts have, for the public list's tag filter. A filter by a tag no post has would read the
/// whole list index (DynamoDB filters after reading), so a stream of made-up tags must not reach the table: the set
/// is read at most once every few seconds however many unknown tags arrive, and a tag published a moment ago is
/// known after at most that long.
/// </summary>
public sealed class PublishedTags(PostStore posts, TimeProvider time)
{
    /// <summary>A tag found in the set is trusted this long before the set is read again.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromMinutes(1);

    /// <summary>A tag not in the set reads it again only if it is older than this.</summary>
    public static readonly TimeSpan RereadAfter = TimeSpan.FromSeconds(5);

    private sealed record Snapshot(IReadOnlySet<string> Tags, DateTimeOffset ReadAt);

    private readonly SemaphoreSlim _reading = new(1, 1);
    private volatile Snapshot? _snapshot;

    public async Task<bool> ContainsAsync(string tag, CancellationToken ct)
    {
        if (Answer(_snapshot, tag) is { } known)
        {
            return known;
        }
        await _reading.WaitAsync(ct);
        try
        {
            // Whoever read the set while this request waited has answered it too.
            if (Answer(_snapshot, tag) is { } answered)
            {
                return answered;
            }
            var snapshot = new Snapshot(await posts.PublishedTagsAsync(ct), time.GetUtcNow());
            _snapshot = snapshot;
            return snapshot.Tags.Contains(tag);
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>What the snapshot can say without reading the table again; null when it is too old to say it.</summary>
    private bool? Answer(Snapshot? snapshot, string tag)
    {
        if (snapshot is null)
        {
            return null;
        }
        var age = time.GetUtcNow() - snapshot.ReadAt;
        var contains = snapshot.Tags.Contains(tag);
        return age < (contains ? FreshFor : RereadAfter) ? contains : null;
    }
}
