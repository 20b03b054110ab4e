using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Mail;
using MyBlog.Workers.Mail;

namespace MyBlog.Workers.Handlers;

/// <summary>
/// <c>POST /events/welcome-sweep</c>: the schedule's event (EventBridge Scheduler on AWS, LocalAws's timer
/// locally) → every owed welcome that is due gets another attempt (<see cref="WelcomeSweep"/>). The body is the
/// schedule's input and is not needed; the answer says what the sweep did.
/// </summary>
public static class WelcomeSweepHandler
{
    public static IEndpointRouteBuilder MapWelcomeSweepHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(Schedules.WelcomeSweep.Path, HandleAsync)
            .WithName("WelcomeSweep")
            .WithSummary("Scheduled: sends every owed welcome that is due (what the stream's attempts did not deliver).");
        return app;
    }

    public static Task<WelcomeSweepResult> HandleAsync(
        WelcomeSweep sweep, IOptions<MailOptions> mail, TimeProvider time, IHostApplicationLifetime lifetime) =>
        sweep.RunAsync(time.GetUtcNow() + mail.Value.SweepBudget, lifetime.ApplicationStopping);
}
