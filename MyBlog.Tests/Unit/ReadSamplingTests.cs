using Microsoft.AspNetCore.Http;
using MyBlog.ServiceDefaults;

namespace MyBlog.Tests.Unit;

public sealed class ReadSamplingTests
{
    private long _now = 5_000;

    [Fact]
    public void The_first_read_each_second_is_traced_and_then_one_in_twenty()
    {
        var draws = 0;
        var sampler = new ReadSampling(() => _now, below => draws++ % below); // exactly one draw in twenty is 0
        var traced = Enumerable.Range(0, 150).Count(_ => sampler.Sampled());

        Assert.Equal(1 + 8, traced); // the first, then every twentieth of the other 149 (draws 0, 20, … 140)
    }

    [Fact]
    public void However_many_readers_come_no_more_than_ten_reads_a_second_are_traced()
    {
        var sampler = new ReadSampling(() => _now, _ => 0); // every draw would trace

        Assert.Equal(ReadSampling.MostPerSecond, Enumerable.Range(0, 30_000).Count(_ => sampler.Sampled()));

        _now += 1_000;
        Assert.Equal(ReadSampling.MostPerSecond, Enumerable.Range(0, 30_000).Count(_ => sampler.Sampled()));
    }

    [Fact]
    public void Each_new_second_traces_its_first_read_even_when_no_draw_would()
    {
        var sampler = new ReadSampling(() => _now, _ => 1);

        Assert.True(sampler.Sampled());
        Assert.False(sampler.Sampled());
        _now += 999 - _now % 1000;
        Assert.False(sampler.Sampled());
        _now += 1;
        Assert.True(sampler.Sampled());
    }

    [Theory]
    [InlineData("POST", "/api/posts")]
    [InlineData("GET", "/api/admin/posts")]
    [InlineData("PUT", "/api/admin/settings")]
    [InlineData("POST", "/api/subscribers")]
    public void Writes_and_the_editor_s_reads_are_always_traced(string method, string path)
    {
        var sampler = new ReadSampling(() => _now, _ => 1);
        sampler.Sampled(); // this second's first read is spent

        Assert.All(Enumerable.Range(0, 50), _ => Assert.True(sampler.IsTraced(Request(method, path))));
    }

    [Theory]
    [InlineData("GET", "/api/posts")]
    [InlineData("HEAD", "/api/posts/hello")]
    [InlineData("GET", "/2026/hello/")]
    public void Readers_reads_are_sampled(string method, string path)
    {
        var sampler = new ReadSampling(() => _now, _ => 1);

        Assert.True(sampler.IsTraced(Request(method, path)));
        Assert.False(sampler.IsTraced(Request(method, path)));
    }

    private static DefaultHttpContext Request(string method, string path)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        return context;
    }
}
