using MyBlog.Aws.Functions;

namespace MyBlog.LocalAws.Queues;

/// <summary>A function a queue feeds, with the queue's settings as they apply locally.</summary>
public sealed record QueueMapping(FunctionDeclaration Function, QueueTrigger Queue)
{
    public string Name => Queue.Queue;
}

/// <summary>The queues of the queue-fed functions (each with its dead-letter queue), by queue name.</summary>
public sealed class LocalQueues
{
    private readonly Dictionary<string, LocalQueue> _queues;

    public LocalQueues(IReadOnlyList<QueueMapping> mappings, TimeProvider time)
    {
        Mappings = mappings;
        _queues = mappings.ToDictionary(m => m.Name, m =>
        {
            // The dead-letter queue keeps messages for inspection; nothing receives from it.
            var dlq = new LocalQueue($"myblog-{m.Name}-dlq", TimeSpan.Zero, int.MaxValue, null, time);
            return new LocalQueue($"myblog-{m.Name}", m.Queue.VisibilityTimeout, m.Queue.MaxReceiveCount, dlq, time);
        });
    }

    /// <summary>The mappings as configured (visibility timeouts may be overridden locally).</summary>
    public IReadOnlyList<QueueMapping> Mappings { get; }

    public LocalQueue this[string queueName] => _queues[queueName];

    public IEnumerable<KeyValuePair<string, LocalQueue>> All => _queues;
}
