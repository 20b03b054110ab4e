using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Memory;

namespace MyBlog.Api.Posts;

/// <summary>
/// The public answers' bytes, held for ten seconds and bounded by size (keys carry what readers send, so an unbounded
/// cache would be a way to exhaust the function's memory), with one read of the table per key at a time.
/// <para>
/// When an answer's ten seconds are up, the next reader reads it again and waits for the table. Readers who arrive
/// while that read is under way are answered with the answer it replaces, or, where there is none yet, wait for that
/// same read — so a list read by many readers at once costs the table one read every ten seconds, not one for every
/// reader in flight the moment it ran out, and those readers do not wait for the table at all.
/// </para>
/// <para>
/// Nothing is read behind a reader's back: every read is some request's own. On Lambda, where an instance serves one
/// request at a time and is frozen between them, this is a plain ten-second cache; and a read whose request was
/// frozen mid-call (it timed out) holds nobody for longer than <see cref="Join"/>.
/// </para>
/// </summary>
public sealed class PostsCache(TimeProvider time) : IDisposable
{
    public const long MaxBytes = 32 * 1024 * 1024;

    /// <summary>How long an answer is served as it is.</summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long readers rely on a read under way — wait for it, or take the answer it replaces meanwhile. Past this
    /// a reader reads for itself, so an answer is never served more than this past its ten seconds.
    /// </summary>
    public static readonly TimeSpan Join = TimeSpan.FromSeconds(5);

    private readonly MemoryCache _held = new(new MemoryCacheOptions { SizeLimit = MaxBytes });
    private readonly ConcurrentDictionary<string, ReadUnderWay> _reads = new();

    /// <summary>The answer held for <paramref name="key"/>, if one is and its ten seconds are not up.</summary>
    public bool TryGet(string key, [NotNullWhen(true)] out CachedAnswer? answer)
    {
        answer = _held.TryGetValue(key, out HeldAnswer? held) && held!.IsFresh(time.GetUtcNow()) ? held.Answer : null;
        return answer is not null;
    }

    /// <summary>
    /// The answer for <paramref name="key"/>: held, or the one a read under way replaces, or what
    /// <paramref name="read"/> (this reader's own read, cancelled with <paramref name="ct"/>) or the read under way
    /// returns.
    /// </summary>
    public async Task<CachedAnswer> GetOrReadAsync(string key, Func<Task<byte[]>> read, CancellationToken ct)
    {
        while (true)
        {
            var now = time.GetUtcNow();
            _held.TryGetValue(key, out HeldAnswer? held);
            if (held is not null && held.IsFresh(now))
            {
                return held.Answer;
            }
            _reads.TryGetValue(key, out var under);
            if (under is not null && now - under.Started < Join)
            {
                if (held is not null)
                {
                    return held.Answer;
                }
                try
                {
                    return await under.Answer.WaitAsync(Join - (now - under.Started), time, ct);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && !under.FailedWith(ex))
                {
                    // Waited as long as a read is waited for, or the reader whose read it was went away: read for ourselves.
                }
                continue;
            }
            var mine = new ReadUnderWay(now);
            if (under is null ? _reads.TryAdd(key, mine) : _reads.TryUpdate(key, mine, under))
            {
                return await ReadAsync(key, read, mine);
            }
            // Another reader started a read first: rely on that one.
        }
    }

    private async Task<CachedAnswer> ReadAsync(string key, Func<Task<byte[]>> read, ReadUnderWay mine)
    {
        byte[] body;
        try
        {
            body = await read();
        }
        catch (Exception ex)
        {
            _reads.TryRemove(new KeyValuePair<string, ReadUnderWay>(key, mine));
            mine.Fail(ex);
            throw;
        }
        var answer = new CachedAnswer(body);
        // A read that finished late (its request was frozen) does not replace what a later read found.
        if (!(_held.TryGetValue(key, out HeldAnswer? current) && current!.ReadAt > mine.Started))
        {
            _held.Set(key, new HeldAnswer(answer, time.GetUtcNow() + Fresh, mine.Started),
                new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Fresh + Join, Size = key.Length * 2 + answer.Body.Length + 64 });
        }
        _reads.TryRemove(new KeyValuePair<string, ReadUnderWay>(key, mine));
        mine.Finish(answer);
        return answer;
    }

    public void Dispose() => _held.Dispose();

    private sealed record HeldAnswer(CachedAnswer Answer, DateTimeOffset FreshUntil, DateTimeOffset ReadAt)
    {
        public bool IsFresh(DateTimeOffset now) => FreshUntil > now;
    }

    /// <summary>A read of the table under way, which readers after it may wait for.</summary>
    private sealed class ReadUnderWay(DateTimeOffset started)
    {
        private readonly TaskCompletionSource<CachedAnswer> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DateTimeOffset Started { get; } = started;

        public Task<CachedAnswer> Answer => _answer.Task;

        public void Finish(CachedAnswer answer) => _answer.SetResult(answer);

        /// <summary>Whether <paramref name="ex"/> is this read's own failure (not a wait for it given up).</summary>
        public bool FailedWith(Exception ex) => _answer.Task.Exception?.InnerExceptions.Contains(ex) == true;

        public void Fail(Exception ex)
        {
            if (ex is OperationCanceledException)
            {
                _answer.SetCanceled();
            }
            else
            {
                _answer.SetException(ex);
                _ = _answer.Task.Exception; // observed: each reader waiting for it has it, or none was waiting
            }
        }
    }
}
