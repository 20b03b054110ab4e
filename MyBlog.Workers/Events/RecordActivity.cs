using System.Diagnostics;

namespace MyBlog.Workers.Events;

/// <summary>
/// One span per event record, continuing the trace of the request that caused it. When the delivery itself already
/// carries that trace (LocalAws propagates it for single-record batches) the span nests under the delivery;
/// otherwise it starts under the stored context and links back to the delivery.
/// </summary>
public static class RecordActivity
{
    private static readonly ActivitySource Source = new("MyBlog.Workers");

    public static Activity? Start(string name, ActivityContext? origin)
    {
        var delivery = Activity.Current;
        if (origin is not { } parent || delivery?.TraceId == parent.TraceId)
        {
            return Source.StartActivity(name, ActivityKind.Consumer);
        }
        ActivityLink[]? links = delivery is null ? null : [new ActivityLink(delivery.Context)];
        return Source.StartActivity(name, ActivityKind.Consumer, parent, links: links);
    }
}
