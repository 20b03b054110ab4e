using System.Security.Cryptography;
using System.Text;

namespace MyBlog.LocalAws.Queues;

/// <summary>A message as a receiver gets it: a fresh receipt handle per receive, and SQS's system attributes.</summary>
public sealed record ReceivedMessage(
    string MessageId, string ReceiptHandle, string Body, string Md5OfBody, int ReceiveCount,
    DateTimeOffset SentAt, DateTimeOffset FirstReceivedAt);

/// <summary>
/// An in-memory SQS standard queue with the rules the thumbnail flow depends on: a received message is hidden for
/// the visibility timeout and comes back if it is not deleted in time; deleting needs the latest receipt handle;
/// and a message received <c>maxReceiveCount</c> times that comes back once more moves to the dead-letter queue
/// instead of being delivered again (SQS's redrive policy).
/// </summary>
public sealed class LocalQueue(string name, TimeSpan visibilityTimeout, int maxReceiveCount, LocalQueue? deadLetterQueue, TimeProvider time)
{
    private sealed class Entry(string id, string body, DateTimeOffset sentAt)
    {
        public string Id { get; } = id;
        public string Body { get; } = body;
        public DateTimeOffset SentAt { get; } = sentAt;
        public DateTimeOffset VisibleAt { get; set; } = sentAt;
        public DateTimeOffset? FirstReceivedAt { get; set; }
        public int ReceiveCount { get; set; }
        public string? ReceiptHandle { get; set; }
    }

    private readonly object _gate = new();
    private readonly List<Entry> _messages = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => name;

    public string Arn(string region) => $"arn:aws:sqs:{region}:000000000000:{name}";

    public LocalQueue? DeadLetterQueue => deadLetterQueue;

    /// <summary>Adds a message; a message moved to a dead-letter queue keeps its id, as in SQS.</summary>
    public string Send(string body, string? messageId = null)
    {
        var id = messageId ?? Guid.NewGuid().ToString();
        lock (_gate)
        {
            _messages.Add(new Entry(id, body, time.GetUtcNow()));
            _arrived.TrySetResult();
        }
        return id;
    }

    /// <summary>Up to <paramref name="max"/> visible messages, oldest first, now hidden for the visibility timeout.</summary>
    public IReadOnlyList<ReceivedMessage> Receive(int max)
    {
        var now = time.GetUtcNow();
        var received = new List<ReceivedMessage>();
        lock (_gate)
        {
            foreach (var entry in _messages.Where(m => m.VisibleAt <= now).ToList())
            {
                if (received.Count == max)
                {
                    break;
                }
                if (deadLetterQueue is not null && entry.ReceiveCount >= maxReceiveCount)
                {
                    _messages.Remove(entry);
                    deadLetterQueue.Send(entry.Body, entry.Id);
                    continue;
                }
                entry.ReceiveCount++;
                entry.FirstReceivedAt ??= now;
                entry.VisibleAt = now + visibilityTimeout;
                entry.ReceiptHandle = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
                received.Add(new ReceivedMessage(entry.Id, entry.ReceiptHandle, entry.Body,
                    Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(entry.Body))), entry.ReceiveCount,
                    entry.SentAt, entry.FirstReceivedAt.Value));
            }
            if (!_messages.Any(m => m.VisibleAt <= now))
            {
                _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        return received;
    }

    /// <summary>Deletes the message if <paramref name="receiptHandle"/> is its latest one (an expired receive cannot delete).</summary>
    public bool Delete(string receiptHandle)
    {
        lock (_gate)
        {
            return _messages.RemoveAll(m => m.ReceiptHandle == receiptHandle) > 0;
        }
    }

    /// <summary>
    /// Completes when a message is sent, when a hidden message becomes visible again, or after
    /// <paramref name="timeout"/> (long polling).
    /// </summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        Task arrived;
        var wait = timeout;
        lock (_gate)
        {
            arrived = _arrived.Task;
            if (_messages.Count > 0)
            {
                var reappears = _messages.Min(m => m.VisibleAt) - time.GetUtcNow();
                wait = reappears < TimeSpan.Zero ? TimeSpan.Zero : reappears < wait ? reappears : wait;
            }
        }
        return Task.WhenAny(arrived, Task.Delay(wait, time, ct));
    }

    public (int Visible, int InFlight) Counts()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var visible = _messages.Count(m => m.VisibleAt <= now);
            return (visible, _messages.Count - visible);
        }
    }

    /// <summary>The bodies waiting in this queue (for the dead-letter queue's inspection endpoint).</summary>
    public IReadOnlyList<(string MessageId, string Body, DateTimeOffset SentAt)> Peek()
    {
        lock (_gate)
        {
            return _messages.Select(m => (m.Id, m.Body, m.SentAt)).ToList();
        }
    }
}
