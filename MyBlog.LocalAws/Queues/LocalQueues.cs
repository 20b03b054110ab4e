using MyBlog.Core;

namespace MyBlog.LocalAws.Queues;

/// <summary>The queues of the queue subscriptions (each with its dead-letter queue), by subscription name.</summary>
public sealed class LocalQueues
{
    private readonly Dictionary<string, LocalQueue> _queues;

    public LocalQueues(IReadOnlyList<QueueSubscription> subscriptions, TimeProvider time)
    {
        Subscriptions = subscriptions;
        _queues = subscriptions.ToDictionary(s => s.Name, s =>
        {
            // The dead-letter queue keeps messages for inspection; nothing receives from it.
            var dlq = new LocalQueue($"myblog-{s.Name}-dlq", TimeSpan.Zero, int.MaxValue, null, time);
            return new LocalQueue($"myblog-{s.Name}", s.VisibilityTimeout, s.MaxReceiveCount, dlq, time);
        });
    }

    /// <summary>The subscriptions as configured (visibility timeouts may be overridden locally).</summary>
    public IReadOnlyList<QueueSubscription> Subscriptions { get; }

    public LocalQueue this[string subscriptionName] => _queues[subscriptionName];

    public IEnumerable<KeyValuePair<string, LocalQueue>> All => _queues;
}
