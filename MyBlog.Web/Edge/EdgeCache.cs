using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.Extensions.Options;

namespace MyBlog.Web.Edge;

/// <summary>An object the edge holds, with when it was fetched and its compressed forms (made once, on first ask).</summary>
public sealed class CachedObject
{
    private readonly Lazy<byte[]> _brotli;
    private readonly Lazy<byte[]> _gzip;
    /// <summary>A use count shared by every object: an order of use without ties, cheaper than reading a clock.</summary>
    private static long _uses;
    private Action<long>? _grew;
    private long _lastUsed = Interlocked.Increment(ref _uses);

    public CachedObject(byte[] body, string contentType, string? cacheControl, string etag, TimeSpan ttl)
    {
        Body = body;
        ContentType = contentType;
        CacheControl = cacheControl;
        ETag = etag;
        Ttl = ttl;
        _brotli = new(() => Counted(Compress(body, s => new BrotliStream(s, CompressionLevel.Optimal))));
        _gzip = new(() => Counted(Compress(body, s => new GZipStream(s, CompressionLevel.Optimal))));
    }

    public byte[] Body { get; }

    /// <summary>For a redirect object (the site's old addresses): where it sends readers, from its metadata.</summary>
    public string? RedirectTo { get; init; }

    public string ContentType { get; }
    public string? CacheControl { get; }
    public string ETag { get; }
    public TimeSpan Ttl { get; }
    public DateTime FetchedAt { get; private set; } = DateTime.UtcNow;

    public bool IsFresh => DateTime.UtcNow - FetchedAt < Ttl;

    public bool IsCompressible => ContentType.StartsWith("text/", StringComparison.Ordinal)
        || ContentType.Contains("xml", StringComparison.Ordinal) || ContentType.Contains("json", StringComparison.Ordinal)
        || ContentType.Contains("javascript", StringComparison.Ordinal);

    /// <summary>The ETag of a compressed form: the same bytes once decoded, so weak.</summary>
    public string WeakETag => _weakETag ??= "W/" + ETag;

    private string? _weakETag;

    /// <summary>The Age header: seconds since it was fetched, the text of each second made once for every object.</summary>
    public string Age
    {
        get
        {
            var seconds = (int)(DateTime.UtcNow - FetchedAt).TotalSeconds;
            return seconds >= 0 && seconds < AgeTexts.Length
                ? AgeTexts[seconds] ??= seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static readonly string?[] AgeTexts = new string?[3600];

    public byte[] Brotli => Touched(_brotli.Value);
    public byte[] Gzip => Touched(_gzip.Value);

    /// <summary>The bytes this object holds now: the body and whichever compressed forms were made.</summary>
    public long Size => Body.Length + (_brotli.IsValueCreated ? _brotli.Value.Length : 0) + (_gzip.IsValueCreated ? _gzip.Value.Length : 0);

    /// <summary>When it was last served (for least-recently-used eviction).</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>The origin answered 304: the bytes are still right, start a new freshness period.</summary>
    public void Revalidated() => FetchedAt = DateTime.UtcNow;

    public void Touch() => Volatile.Write(ref _lastUsed, Interlocked.Increment(ref _uses));

    /// <summary>Reports bytes added later (a compressed form) to the cache that holds this object.</summary>
    internal void CountInto(Action<long>? grew) => _grew = grew;

    private byte[] Counted(byte[] compressed)
    {
        _grew?.Invoke(compressed.Length);
        return compressed;
    }

    private byte[] Touched(byte[] bytes)
    {
        Touch();
        return bytes;
    }

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

/// <summary>
/// The edge's cache, keyed by object key, as CloudFront keys by path, and bounded by bytes (Edge:CacheBytes): past
/// the bound the least recently used objects go first, down to nine tenths of it, so a site of any size — every
/// page, photo variant and compressed copy — runs in a fixed amount of memory. Serving only stamps a time on the
/// object; the eviction pass, rare, does the sorting.
/// </summary>
public sealed class EdgeCache
{
    private readonly ConcurrentDictionary<string, CachedObject> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedObject>.AlternateLookup<ReadOnlySpan<char>> _byText;
    private readonly object _evicting = new();
    private long _bytes;

    private readonly IOptions<EdgeOptions> options;

    public EdgeCache(IOptions<EdgeOptions> options)
    {
        this.options = options;
        _byText = _objects.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    public int Count => _objects.Count;

    public bool TryGet(string key, out CachedObject cached) => TryGet(key.AsSpan(), out cached);

    /// <summary>The object under the key, looked up without making a string of it.</summary>
    public bool TryGet(ReadOnlySpan<char> key, out CachedObject cached)
    {
        if (_byText.TryGetValue(key, out cached!))
        {
            cached.Touch();
            return true;
        }
        return false;
    }

    public void Set(string key, CachedObject cached)
    {
        var limit = options.Value.CacheBytes;
        if (cached.Body.Length > limit / 4)
        {
            return; // larger than a quarter of the cache: served from the origin every time rather than evicting the rest
        }
        cached.CountInto(Grew);
        _objects.AddOrUpdate(key, cached, (_, old) =>
        {
            old.CountInto(null);
            Grew(-old.Size);
            return cached;
        });
        Grew(cached.Body.Length);
    }

    /// <summary>Drops the given keys; a key ending in <c>*</c> drops everything under that prefix.</summary>
    public int Invalidate(IEnumerable<string> keys)
    {
        var removed = 0;
        foreach (var key in keys)
        {
            var matches = key.EndsWith('*')
                ? _objects.Keys.Where(k => k.StartsWith(key[..^1], StringComparison.Ordinal)).ToList()
                : [key];
            foreach (var match in matches)
            {
                if (_objects.TryRemove(match, out var gone))
                {
                    gone.CountInto(null);
                    Grew(-gone.Size);
                    removed++;
                }
            }
        }
        return removed;
    }

    private void Grew(long bytes)
    {
        if (Interlocked.Add(ref _bytes, bytes) > options.Value.CacheBytes)
        {
            Evict();
        }
    }

    private void Evict()
    {
        if (!Monitor.TryEnter(_evicting))
        {
            return; // another thread is already making room
        }
        try
        {
            var target = options.Value.CacheBytes / 10 * 9;
            foreach (var (key, cached) in _objects.ToArray().OrderBy(o => o.Value.LastUsed))
            {
                if (Bytes <= target)
                {
                    break;
                }
                if (_objects.TryRemove(new KeyValuePair<string, CachedObject>(key, cached)))
                {
                    cached.CountInto(null);
                    Interlocked.Add(ref _bytes, -cached.Size);
                }
            }
        }
        finally
        {
            Monitor.Exit(_evicting);
        }
    }
}
