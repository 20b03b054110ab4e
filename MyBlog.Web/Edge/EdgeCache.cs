using System.Collections.Concurrent;
using System.IO.Compression;

namespace MyBlog.Web.Edge;

/// <summary>An object the edge holds, with when it was fetched and its compressed forms (made once, on first ask).</summary>
public sealed class CachedObject(byte[] body, string contentType, string? cacheControl, string etag, TimeSpan ttl)
{
    private readonly Lazy<byte[]> _brotli = new(() => Compress(body, s => new BrotliStream(s, CompressionLevel.Optimal)));
    private readonly Lazy<byte[]> _gzip = new(() => Compress(body, s => new GZipStream(s, CompressionLevel.Optimal)));

    public byte[] Body => body;
    public string ContentType => contentType;
    public string? CacheControl => cacheControl;
    public string ETag => etag;
    public TimeSpan Ttl => ttl;
    public DateTime FetchedAt { get; private set; } = DateTime.UtcNow;

    public bool IsFresh => DateTime.UtcNow - FetchedAt < ttl;

    public bool IsCompressible => contentType.StartsWith("text/", StringComparison.Ordinal)
        || contentType.Contains("xml", StringComparison.Ordinal) || contentType.Contains("json", StringComparison.Ordinal)
        || contentType.Contains("javascript", StringComparison.Ordinal);

    public byte[] Brotli => _brotli.Value;
    public byte[] Gzip => _gzip.Value;

    /// <summary>The origin answered 304: the bytes are still right, start a new freshness period.</summary>
    public void Revalidated() => FetchedAt = DateTime.UtcNow;

    private static byte[] Compress(byte[] data, Func<Stream, Stream> wrap)
    {
        using var output = new MemoryStream();
        using (var compressor = wrap(output))
        {
            compressor.Write(data);
        }
        return output.ToArray();
    }
}

/// <summary>The edge's cache, keyed by object key, as CloudFront keys by path.</summary>
public sealed class EdgeCache
{
    private readonly ConcurrentDictionary<string, CachedObject> _objects = new(StringComparer.Ordinal);

    public bool TryGet(string key, out CachedObject cached) => _objects.TryGetValue(key, out cached!);

    public void Set(string key, CachedObject cached) => _objects[key] = cached;

    /// <summary>Drops the given keys; a key ending in <c>*</c> drops everything under that prefix.</summary>
    public int Invalidate(IEnumerable<string> keys)
    {
        var removed = 0;
        foreach (var key in keys)
        {
            if (key.EndsWith('*'))
            {
                var prefix = key[..^1];
                foreach (var match in _objects.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    removed += _objects.TryRemove(match, out _) ? 1 : 0;
                }
            }
            else
            {
                removed += _objects.TryRemove(key, out _) ? 1 : 0;
            }
        }
        return removed;
    }
}
