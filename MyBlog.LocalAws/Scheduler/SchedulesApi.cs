using MyBlog.Core;

namespace MyBlog.LocalAws.Scheduler;

/// <summary>Lets a developer (or a test) see the schedules and run one now, as invoking the function by hand does on AWS.</summary>
public static class SchedulesApi
{
    public static IEndpointRouteBuilder MapSchedulesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/schedules", (LocalScheduler scheduler) => TypedResults.Ok(Schedules.All.Select(s => new
        {
            s.Name,
            s.Path,
            Interval = scheduler.Interval(s),
            LastRun = scheduler.LastRuns.TryGetValue(s.Name, out var run) ? run : null,
        }))).WithName("Schedules").WithSummary("Each schedule, its local interval and its last run.");

        app.MapPost("/schedules/{name}/run", async Task<IResult> (string name, LocalScheduler scheduler, CancellationToken ct) =>
            Schedules.All.FirstOrDefault(s => s.Name == name) is { } schedule
                ? TypedResults.Ok(await scheduler.RunAsync(schedule, ct))
                : TypedResults.Problem(statusCode: 404, title: "No such schedule", detail: $"There is no schedule named '{name}'."))
            .WithName("RunSchedule").WithSummary("Runs a schedule now (for the welcome sweep: a redrive of every owed welcome that is due).");
        return app;
    }
}
