namespace MyBlog.LocalAws.Queues;

/// <summary>Lets a developer (or a test) see the local queues and send a message to one, as SQS's console does.</summary>
public static class QueuesApi
{
    public static IEndpointRouteBuilder MapQueuesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/queues", (LocalQueues queues) => TypedResults.Ok(queues.All.Select(q =>
        {
            var (visible, inFlight) = q.Value.Counts();
            return new QueueState(q.Key, q.Value.Name, visible, inFlight,
                q.Value.DeadLetterQueue!.Peek().Select(m => new DeadLetter(m.MessageId, m.Body, m.SentAt)).ToList());
        }))).WithName("Queues").WithSummary("Each queue's depth and its dead-letter queue's messages.");

        app.MapPost("/queues/{subscription}/messages", async (string subscription, HttpRequest request, LocalQueues queues) =>
        {
            if (!queues.All.Any(q => q.Key == subscription))
            {
                return Results.Problem(statusCode: 404, title: "No such queue", detail: $"There is no queue for '{subscription}'.");
            }
            using var reader = new StreamReader(request.Body);
            var id = queues[subscription].Send(await reader.ReadToEndAsync(request.HttpContext.RequestAborted));
            return Results.Accepted((string?)null, new { messageId = id });
        }).WithName("SendMessage").WithSummary("Sends the request body as one message (SQS SendMessage).");
        return app;
    }

    public sealed record QueueState(string Subscription, string Queue, int Visible, int InFlight, IReadOnlyList<DeadLetter> DeadLetters);

    public sealed record DeadLetter(string MessageId, string Body, DateTimeOffset SentAt);
}
