using MyBlog.Aws.Functions;

namespace MyBlog.LocalAws.Scheduler;

/// <summary>
/// Lets a developer (or a test) see the recurring schedules and run one now, as invoking the function by hand does on
/// AWS. Not part of EventBridge Scheduler's API (<see cref="EventBridgeSchedulerApi"/>): LocalAws's own.
/// </summary>
public static class RecurringSchedulesApi
{
    public static IEndpointRouteBuilder MapRecurringSchedulesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/schedules", (LocalScheduler scheduler) => TypedResults.Ok(LocalScheduler.Recurring.Select(s => new
        {
            s.Name,
            s.Path,
            Interval = scheduler.Interval(s),
            LastRun = scheduler.LastRuns.TryGetValue(s.Name, out var run) ? run : null,
        }))).WithName("Schedules").WithSummary("Each schedule, its local interval and its last run.");

        app.MapPost("/schedules/{name}/run", async Task<IResult> (string name, LocalScheduler scheduler, CancellationToken ct) =>
            LocalScheduler.Recurring.FirstOrDefault(s => s.Name == name) is { } schedule
                ? TypedResults.Ok(await scheduler.RunAsync(schedule, ct))
                : TypedResults.Problem(statusCode: 404, title: "No such schedule", detail: $"There is no schedule named '{name}'."))
            .WithName("RunSchedule").WithSummary("Runs a schedule now (for the welcome sweep: a redrive of every owed welcome that is due).");
        return app;
    }
}
