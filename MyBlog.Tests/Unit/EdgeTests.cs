using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Web.Edge;

namespace MyBlog.Tests.Unit;

/// <summary>The local edge's own rules: which paths are the site's, how long an API answer may be shared, how much it holds.</summary>
public sealed class EdgeTests
{
    [Theory]
    [InlineData("/", true)]
    [InlineData("/posts/hello/", true)]
    [InlineData("/posts/안녕하세요/", true)]
    [InlineData("/assets/site.0123456789ab.css", true)]
    [InlineData("/media/abc/640.webp", true)]
    [InlineData("//evil.example", false)]
    [InlineData("//evil.example/", false)]
    [InlineData("/\\evil.example", false)]
    [InlineData("/posts//hello/", false)]
    [InlineData("/_publisher/manifest.json", false)]
    [InlineData("//_publisher/manifest.json", false)]
    [InlineData("/posts/../_publisher/manifest.json", false)]
    [InlineData("/x/_publisher/manifest.json", false)]
    [InlineData("/%2F_publisher/manifest.json", false)]
    [InlineData("/.env", false)]
    [InlineData("/posts/a\u0000b/", false)]
    [InlineData("", false)]
    public void Only_paths_the_site_can_have_are_served(string path, bool served) => Assert.Equal(served, SitePaths.IsSitePath(path));

    [Theory]
    [InlineData("public, max-age=60, s-maxage=60, stale-while-revalidate=30", 60)]
    [InlineData("public, max-age=600, s-maxage=30", 30)]
    [InlineData("public, max-age=120", 120)]
    [InlineData("no-store", null)]
    [InlineData("private, max-age=60", null)]
    [InlineData("no-cache, s-maxage=60", null)]
    [InlineData("", null)]
    [InlineData("public", null)]
    public void Api_answers_are_shared_as_their_Cache_Control_says(string cacheControl, int? seconds) =>
        Assert.Equal(seconds is null ? null : TimeSpan.FromSeconds(seconds.Value), ApiCachePolicy.SharedTtl(cacheControl));

    private static CachedObject Object(int bytes) => new(new byte[bytes], "text/html", null, "\"e\"", TimeSpan.FromMinutes(1));

    [Fact]
    public void The_cache_stays_within_its_bytes_dropping_the_least_recently_used_first()
    {
        var cache = new EdgeCache(Options.Create(new EdgeOptions { CacheBytes = 1000 }));
        cache.Set("kept", Object(200));
        for (var i = 0; i < 50; i++)
        {
            cache.Set($"page{i}", Object(100));
            Assert.True(cache.TryGet("kept", out _), "a page served all along is kept");
            Assert.True(cache.Bytes <= 1000, $"{cache.Bytes} bytes held");
        }
        Assert.False(cache.TryGet("page0", out _));
        Assert.True(cache.TryGet("page49", out _));
    }

    [Fact]
    public void Compressed_copies_count_against_the_bound_and_invalidation_gives_their_bytes_back()
    {
        var cache = new EdgeCache(Options.Create(new EdgeOptions { CacheBytes = 1_000_000 }));
        var text = new CachedObject(System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"{i} "))),
            "text/html", null, "\"e\"", TimeSpan.FromMinutes(1));
        cache.Set("page", text);
        var plain = cache.Bytes;
        _ = text.Gzip;
        _ = text.Brotli;
        Assert.True(cache.Bytes > plain);
        Assert.Equal(1, cache.Invalidate(["page"]));
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void An_object_larger_than_a_quarter_of_the_cache_is_not_kept()
    {
        var cache = new EdgeCache(Options.Create(new EdgeOptions { CacheBytes = 1000 }));
        cache.Set("small", Object(100));
        cache.Set("huge", Object(400));
        Assert.False(cache.TryGet("huge", out _));
        Assert.True(cache.TryGet("small", out _));
    }
}
