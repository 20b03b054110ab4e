using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyBlog.LocalAws.Scheduler;

/// <summary>
/// The part of EventBridge Scheduler's REST API that MyBlog uses, for one-time schedules in the default group:
/// CreateSchedule (<c>POST /schedules/{name}</c>), UpdateSchedule (<c>PUT</c>), DeleteSchedule (<c>DELETE</c>) and
/// GetSchedule (<c>GET</c>), with the service's error shapes (ConflictException, ResourceNotFoundException,
/// ValidationException in <c>x-amzn-ErrorType</c>). Requests are not authenticated locally.
/// </summary>
public static class EventBridgeSchedulerApi
{
    private const string Account = "000000000000";

    public static IEndpointRouteBuilder MapEventBridgeSchedulerApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/schedules/{name}", (string name, JsonObject body, OneTimeSchedules schedules) =>
            Read(name, body) is not { } schedule ? Invalid(name)
            : schedules.TryAdd(schedule) ? Created(schedule)
            : Error(409, "ConflictException", $"Schedule {name} already exists."))
            .WithName("CreateSchedule").WithSummary("EventBridge Scheduler CreateSchedule (one-time at() schedules).");

        app.MapPut("/schedules/{name}", (string name, JsonObject body, OneTimeSchedules schedules) =>
            Read(name, body) is not { } schedule ? Invalid(name)
            : schedules.TryReplace(schedule) ? Created(schedule)
            : NotFound(name))
            .WithName("UpdateSchedule").WithSummary("EventBridge Scheduler UpdateSchedule.");

        app.MapDelete("/schedules/{name}", (string name, OneTimeSchedules schedules) =>
            schedules.TryRemove(name) ? Results.Json(new JsonObject()) : NotFound(name))
            .WithName("DeleteSchedule").WithSummary("EventBridge Scheduler DeleteSchedule.");

        app.MapGet("/schedules/{name}", (string name, OneTimeSchedules schedules) =>
            schedules.TryGet(name, out var schedule)
                ? Results.Json(new JsonObject
                {
                    ["Name"] = schedule.Name,
                    ["Arn"] = Arn(schedule.Name),
                    ["ScheduleExpression"] = $"at({schedule.At.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss})",
                    ["ScheduleExpressionTimezone"] = "UTC",
                    ["State"] = "ENABLED",
                    ["Target"] = new JsonObject { ["Arn"] = schedule.TargetArn, ["Input"] = schedule.Input },
                })
                : NotFound(name))
            .WithName("GetSchedule").WithSummary("EventBridge Scheduler GetSchedule.");
        return app;
    }

    private static OneTimeSchedule? Read(string name, JsonObject body)
    {
        try
        {
            var at = OneTimeSchedules.ParseAt(body["ScheduleExpression"]?.GetValue<string>(), body["ScheduleExpressionTimezone"]?.GetValue<string>());
            var target = body["Target"]?.AsObject();
            var arn = target?["Arn"]?.GetValue<string>();
            if (at is null || arn is null || name.Length is 0 or > 64)
            {
                return null;
            }
            return new OneTimeSchedule(name, at.Value, arn, target!["Input"]?.GetValue<string>() ?? "{}",
                target["RetryPolicy"]?["MaximumRetryAttempts"]?.GetValue<int>() ?? 3);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or TimeZoneNotFoundException or JsonException)
        {
            return null;
        }
    }

    private static string Arn(string name) => $"arn:aws:scheduler:us-east-1:{Account}:schedule/default/{name}";

    private static IResult Created(OneTimeSchedule schedule) => Results.Json(new JsonObject { ["ScheduleArn"] = Arn(schedule.Name) });

    private static IResult Invalid(string name) =>
        Error(400, "ValidationException", $"Schedule {name}: only one-time at(yyyy-mm-ddThh:mm:ss) schedules with a target are supported locally.");

    private static IResult NotFound(string name) => Error(404, "ResourceNotFoundException", $"Schedule {name} does not exist.");

    private static IResult Error(int status, string type, string message) =>
        new ErrorResult(status, type, message);

    private sealed class ErrorResult(int status, string type, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            context.Response.Headers["x-amzn-ErrorType"] = type;
            return context.Response.WriteAsJsonAsync(new JsonObject { ["Message"] = message });
        }
    }
}
