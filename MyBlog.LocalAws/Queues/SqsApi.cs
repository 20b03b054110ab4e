using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MyBlog.LocalAws.Queues;

/// <summary>
/// The part of SQS's JSON protocol a MyBlog process uses to send — <c>SendMessage</c> and <c>SendMessageBatch</c>,
/// <c>POST /</c> with <c>X-Amz-Target: AmazonSQS.…</c> — so the workers' AWS SDK client sends to the local queues
/// exactly as it sends to SQS. The queue is the last segment of the <c>QueueUrl</c> (<c>…/myblog-newsletter</c>).
/// </summary>
public static class SqsApi
{
    public static IEndpointRouteBuilder MapSqsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/", HandleAsync).WithName("Sqs").WithSummary("SQS's JSON protocol: SendMessage, SendMessageBatch.");
        return app;
    }

    private static async Task<IResult> HandleAsync(HttpRequest request, LocalQueues queues)
    {
        var target = request.Headers["X-Amz-Target"].ToString();
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (System.Text.Json.JsonException)
        {
            return Error("InvalidParameterValue", "The body is not JSON.");
        }
        var queueName = body?["QueueUrl"]?.GetValue<string>()?.TrimEnd('/').Split('/')[^1];
        var queue = queues.All.FirstOrDefault(q => q.Value.Name == queueName).Value;
        if (queue is null)
        {
            return Error("AWS.SimpleQueueService.NonExistentQueue", $"The specified queue does not exist: {queueName}");
        }
        switch (target)
        {
            case "AmazonSQS.SendMessage":
                var text = body!["MessageBody"]?.GetValue<string>() ?? "";
                return Answer(new JsonObject { ["MessageId"] = queue.Send(text), ["MD5OfMessageBody"] = Md5(text) });
            case "AmazonSQS.SendMessageBatch":
                var successful = new JsonArray();
                foreach (var entry in body!["Entries"]?.AsArray() ?? [])
                {
                    var entryBody = entry?["MessageBody"]?.GetValue<string>() ?? "";
                    successful.Add(new JsonObject
                    {
                        ["Id"] = entry?["Id"]?.GetValue<string>(),
                        ["MessageId"] = queue.Send(entryBody),
                        ["MD5OfMessageBody"] = Md5(entryBody),
                    });
                }
                return Answer(new JsonObject { ["Successful"] = successful, ["Failed"] = new JsonArray() });
            default:
                return Error("InvalidAction", $"LocalAws does not implement {target}.");
        }
    }

    private static string Md5(string body) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));

    private static IResult Answer(JsonObject body) => Results.Text(body.ToJsonString(), "application/x-amz-json-1.0");

    private static IResult Error(string type, string message) => Results.Text(
        new JsonObject { ["__type"] = type, ["message"] = message }.ToJsonString(), "application/x-amz-json-1.0", statusCode: 400);
}
