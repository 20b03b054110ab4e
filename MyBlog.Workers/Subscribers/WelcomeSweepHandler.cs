using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MyBlog.Aws.Functions;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Hosting;
using MyBlog.Workers.Mail;
using MyBlog.Workers.Newsletter;

namespace MyBlog.Workers.Subscribers;

/// <summary>
/// The schedule's event (EventBridge Scheduler on AWS, LocalAws's timer
/// locally) → every owed welcome that is due gets another attempt (<see cref="WelcomeSweep"/>). The body is the
/// schedule's input and is not needed; the answer says what the sweep did. It also goes on with any newsletter whose
/// planning stopped, the second path for that debt too.
/// </summary>
public sealed class WelcomeSweepHandler : IWorkerHandler
{
    public FunctionDeclaration Function => AwsFunctions.WelcomeSweep;

    /// <summary>The sweep is the second path for every mail debt: owed welcomes, and newsletters whose planner stopped.</summary>
    public void AddServices(IHostApplicationBuilder builder)
    {
        builder.AddWelcomeMail();
        builder.AddNewsletterPlanning();
        builder.Services.TryAddSingleton<DirectoryFiling>();
        builder.Services.TryAddSingleton<SubscriberDirectory>();
        builder.Services.TryAddSingleton<SubscriberTally>();
    }

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("Scheduled: sends every owed welcome that is due (what the stream's attempts did not deliver).");

    public static async Task<WelcomeSweepResult> HandleAsync(
        WelcomeSweep sweep, SubscriberStore subscribers, DirectoryFiling filing, SubscriberTally tally, NewsletterStore jobs, NewsletterPlanner planner, IOptions<MailOptions> mail, TimeProvider time,
        IHostApplicationLifetime lifetime, ILogger<NewsletterPlanner> logger)
    {
        var ct = lifetime.ApplicationStopping;
        var stopBy = time.GetUtcNow() + mail.Value.SweepBudget;
        var result = await sweep.RunAsync(stopBy, ct);
        // Subscribers still under the first, unkeyed kind of id move to keyed ids a page at a time, until none is left.
        var moved = await subscribers.MoveLegacyPageAsync(Min(stopBy, time.GetUtcNow() + MoveBudget), ct);
        if (moved.Moved > 0)
        {
            logger.LogInformation("Moved {Count} subscriber(s) to keyed ids; finished: {Finished}", moved.Moved, moved.Finished);
        }
        // Subscribers and newsletter jobs stored before the directory index existed are filed in it, once.
        var filed = await filing.RunAsync(Min(stopBy, time.GetUtcNow() + MoveBudget), ct);
        if (filed.Filed > 0)
        {
            logger.LogInformation("Filed {Count} earlier subscriber(s) and newsletter job(s) in the directory; finished: {Finished}", filed.Filed, filed.Finished);
        }
        // The counts the author's page shows, while someone looks at them.
        await tally.RefreshAsync(ct);
        // A newsletter whose planner stopped (its stream retries spent, a crash) is planned on from where it stopped.
        foreach (var jobId in await jobs.StalledPlanningAsync(time.GetUtcNow() - StalledAfter, ct))
        {
            logger.LogWarning("Newsletter job {Job}: planning stalled; the sweep goes on with it", jobId);
            await planner.PlanAsync(jobId, ct);
        }
        return result;
    }

    /// <summary>How long one run spends moving subscribers to keyed ids (a few thousand a run).</summary>
    private static readonly TimeSpan MoveBudget = TimeSpan.FromSeconds(20);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>A planner normally finishes within seconds of the job's creation; after this long it has stopped.</summary>
    private static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(2);
}
