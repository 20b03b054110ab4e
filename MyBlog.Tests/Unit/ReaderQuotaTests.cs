using Microsoft.Extensions.Time.Testing;
using MyBlog.Api.Hosting;

namespace MyBlog.Tests.Unit;

/// <summary>A reader's quota: counted per reader in windows that open at the reader's first request.</summary>
public sealed class ReaderQuotaTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-06T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Each_request_takes_one_and_past_the_limit_the_remainder_goes_negative_until_the_window_closes()
    {
        var quota = new ReaderQuota("subscribe", 2, TimeSpan.FromMinutes(1), _time);

        Assert.Equal((1, TimeSpan.FromMinutes(1)), quota.Take("198.51.100.7"));
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal((0, TimeSpan.FromSeconds(40)), quota.Take("198.51.100.7"));
        Assert.Equal(-1, quota.Take("198.51.100.7").Remaining);
        Assert.Equal(1, quota.Take("203.0.113.9").Remaining);

        _time.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal((1, TimeSpan.FromMinutes(1)), quota.Take("198.51.100.7"));
    }

    [Fact]
    public void Many_readers_leave_no_closed_windows_behind()
    {
        var quota = new ReaderQuota("subscribe", 5, TimeSpan.FromMinutes(1), _time);
        for (var i = 0; i < 12_000; i++)
        {
            quota.Take($"reader-{i}");
        }
        _time.Advance(TimeSpan.FromMinutes(2));

        // The next new reader sweeps the closed windows out; the ones counted again start afresh.
        Assert.Equal(4, quota.Take("reader-new").Remaining);
        Assert.Equal(4, quota.Take("reader-1").Remaining);
        Assert.Equal(2, quota.Readers);
    }
}
