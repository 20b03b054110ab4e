using System.Text;
using Microsoft.Extensions.Time.Testing;
using MyBlog.Api.Posts;

namespace MyBlog.Tests.Unit;

/// <summary>
/// The API's held answers: a popular list read by many readers at once when its answer runs out costs one read of
/// the table, not one for every reader waiting; and no read that fails, is given up or never finishes holds readers.
/// </summary>
public sealed class PostsCacheTests : IDisposable
{
    private const string Key = "posts:::10";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly PostsCache _cache;

    /// <summary>How long a test waits for what should already be there: a regression fails the test, not hangs it.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public PostsCacheTests() => _cache = new PostsCache(_time);

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task An_answer_is_held_for_ten_seconds_and_then_read_again()
    {
        var table = new Table("first");
        Assert.Equal("first", Text(await _cache.GetOrReadAsync(Key, table.ReadAsync, default)));
        table.Now = "second";

        _time.Advance(PostsCache.Fresh - TimeSpan.FromMilliseconds(1));
        Assert.True(_cache.TryGet(Key, out var held));
        Assert.Equal("first", Text(held));
        Assert.Equal("first", Text(await _cache.GetOrReadAsync(Key, table.ReadAsync, default)));
        Assert.Equal(1, table.Reads);

        // Past its ten seconds, with no read under way, a reader waits for the table (as on Lambda, one at a time).
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(_cache.TryGet(Key, out _));
        Assert.Equal("second", Text(await _cache.GetOrReadAsync(Key, table.ReadAsync, default)));
        Assert.Equal(2, table.Reads);
    }

    [Fact]
    public async Task Readers_who_arrive_while_an_expired_answer_is_read_again_get_the_one_it_replaces_and_the_table_is_read_once()
    {
        var table = new Table("first");
        await _cache.GetOrReadAsync(Key, table.ReadAsync, default);
        _time.Advance(PostsCache.Fresh);
        table.Now = "second";

        var first = await ReadHeldAtTheTableAsync(table);
        var others = await Task.WhenAll(Enumerable.Range(0, 63).Select(_ => _cache.GetOrReadAsync(Key, table.ReadAsync, default))).WaitAsync(Patience);
        Assert.All(others, answer => Assert.Equal("first", Text(answer)));
        Assert.False(first.IsCompleted);

        table.Release();
        Assert.Equal("second", Text(await first.WaitAsync(Patience)));
        Assert.Equal("second", Text(await _cache.GetOrReadAsync(Key, table.ReadAsync, default)));
        Assert.Equal(2, table.Reads);
    }

    [Fact]
    public async Task Readers_of_an_answer_nobody_holds_yet_wait_for_one_read()
    {
        var table = new Table("first");
        var first = await ReadHeldAtTheTableAsync(table);
        var others = Enumerable.Range(0, 63).Select(_ => _cache.GetOrReadAsync(Key, table.ReadAsync, default)).ToList();
        Assert.DoesNotContain(others, o => o.IsCompleted);

        table.Release();
        Assert.All(await Task.WhenAll(others.Append(first)).WaitAsync(Patience), answer => Assert.Equal("first", Text(answer)));
        Assert.Equal(1, table.Reads);
    }

    [Fact]
    public async Task When_the_reader_whose_read_it_was_goes_away_the_others_read_again_rather_than_fail()
    {
        var table = new Table("first");
        using var gone = new CancellationTokenSource();
        var first = await ReadHeldAtTheTableAsync(table, gone.Token);
        var other = _cache.GetOrReadAsync(Key, table.ReadAsync, default);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        table.Release();
        Assert.Equal("first", Text(await other.WaitAsync(Patience)));
        Assert.Equal(2, table.Reads);
    }

    [Fact]
    public async Task A_failed_read_is_each_waiting_readers_failure_and_is_not_kept()
    {
        var table = new Table("first");
        var first = await ReadHeldAtTheTableAsync(table);
        var other = _cache.GetOrReadAsync(Key, table.ReadAsync, default);

        table.Fail(new TimeoutException("the table did not answer"));
        Assert.Equal("the table did not answer", (await Assert.ThrowsAsync<TimeoutException>(() => first)).Message);
        Assert.Equal("the table did not answer", (await Assert.ThrowsAsync<TimeoutException>(() => other)).Message);

        table.Open();
        Assert.Equal("first", Text(await _cache.GetOrReadAsync(Key, table.ReadAsync, default)));
    }

    [Fact]
    public async Task A_read_that_never_finishes_holds_readers_no_longer_than_the_join_time()
    {
        // A Lambda frozen mid-read (it timed out) leaves its read under way for ever.
        var table = new Table("first");
        _ = await ReadHeldAtTheTableAsync(table);
        var waiting = _cache.GetOrReadAsync(Key, () => Answered("second"), default);
        Assert.False(waiting.IsCompleted);

        _time.Advance(PostsCache.Join);
        Assert.Equal("second", Text(await waiting.WaitAsync(Patience)));
        Assert.Equal("second", Text(await _cache.GetOrReadAsync(Key, table.ReadAsync, default)));
    }

    [Fact]
    public async Task An_expired_answer_is_not_served_beside_a_read_too_old_to_wait_for()
    {
        var table = new Table("first");
        await _cache.GetOrReadAsync(Key, table.ReadAsync, default);
        _time.Advance(PostsCache.Fresh);
        _ = await ReadHeldAtTheTableAsync(table);
        Assert.Equal("first", Text(await _cache.GetOrReadAsync(Key, table.ReadAsync, default)));

        _time.Advance(PostsCache.Join);
        Assert.Equal("second", Text(await _cache.GetOrReadAsync(Key, () => Answered("second"), default)));
    }

    /// <summary>A reader's read, held at the table: the reader's task, once its read has reached the table.</summary>
    private async Task<Task<CachedAnswer>> ReadHeldAtTheTableAsync(Table table, CancellationToken ct = default)
    {
        table.Hold();
        var reader = _cache.GetOrReadAsync(Key, () => table.ReadAsync(ct), ct);
        await table.Reading.WaitAsync(Patience);
        return reader;
    }

    private static Task<byte[]> Answered(string text) => Task.FromResult(Encoding.UTF8.GetBytes(text));

    private static string Text(CachedAnswer? answer) => Encoding.UTF8.GetString(answer!.Body);

    /// <summary>A table whose reads can be held mid-call, failed, or let through.</summary>
    private sealed class Table(string now)
    {
        private TaskCompletionSource _gate = Opened();
        private int _reads;
        private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Now { get; set; } = now;

        public int Reads => Volatile.Read(ref _reads);

        /// <summary>Set once a read has reached the table.</summary>
        public Task Reading => _reading.Task;

        public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        public void Fail(Exception ex) => _gate.TrySetException(ex);

        public void Open() => _gate = Opened();

        public Task<byte[]> ReadAsync() => ReadAsync(default);

        public async Task<byte[]> ReadAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _reads);
            var gate = _gate.Task;
            _reading.TrySetResult();
            await gate.WaitAsync(ct);
            return Encoding.UTF8.GetBytes(Now);
        }

        private static TaskCompletionSource Opened()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }
    }
}
