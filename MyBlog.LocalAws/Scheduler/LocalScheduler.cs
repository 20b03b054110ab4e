using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MyBlog.Aws.Functions;
using MyBlog.LocalAws.Delivery;

namespace MyBlog.LocalAws.Scheduler;

/// <summary>The last run of a schedule, for <c>GET /schedules</c>.</summary>
public sealed record ScheduleRun(DateTimeOffset StartedAt, TimeSpan Took, int Status, string? Answer);

/// <summary>
/// EventBridge Scheduler's part: each schedule's input POSTed to its Workers path, as the Lambda Web Adapter passes
/// a scheduled invocation through. Runs are one after another per schedule (a run that outlasts the interval is
/// not overlapped). Locally the interval defaults to 10 s rather than AWS's one minute, so a developer sees the
/// sweep's work soon; "LocalAws:Schedules:{name}:Interval" sets it.
/// </summary>
public sealed class LocalScheduler(IHttpClientFactory httpClientFactory, IConfiguration configuration, ILogger<LocalScheduler> logger) : BackgroundService
{
    public static readonly TimeSpan DefaultLocalInterval = TimeSpan.FromSeconds(10);

    /// <summary>As long as a run may take (the sweep function's timeout on AWS).</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, ScheduleRun> _lastRuns = new();

    public IReadOnlyDictionary<string, ScheduleRun> LastRuns => _lastRuns;

    /// <summary>The functions a recurring schedule runs.</summary>
    public static IReadOnlyList<FunctionDeclaration> Recurring { get; } = [.. AwsFunctions.Triggered<ScheduleTrigger>().Select(f => f.Function)];

    public TimeSpan Interval(FunctionDeclaration schedule) =>
        configuration[$"LocalAws:Schedules:{schedule.Name}:Interval"] is { } text
            ? TimeSpan.Parse(text, CultureInfo.InvariantCulture)
            : DefaultLocalInterval;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Recurring.Select(s => LoopAsync(s, stoppingToken)));

    private async Task LoopAsync(FunctionDeclaration schedule, CancellationToken ct)
    {
        var interval = Interval(schedule);
        logger.LogInformation("{Schedule}: every {Interval} to {Path}", schedule.Name, interval, schedule.Path);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, ct);
                await RunAsync(schedule, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The workers are away (restarting, say): the next tick tries again, as the schedule would.
                logger.LogWarning("{Schedule}: run failed: {Message}", schedule.Name, ex.Message);
            }
        }
    }

    /// <summary>One run now (also what a developer's "redrive" is: <c>POST /schedules/{name}/run</c>).</summary>
    public async Task<ScheduleRun> RunAsync(FunctionDeclaration schedule, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RunTimeout);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        using var response = await httpClientFactory.CreateClient(FunctionInvoker.HttpClientName).PostAsync(schedule.Path,
            new StringContent(schedule.ScheduleInput, Encoding.UTF8, "application/json"), timeout.Token);
        var answer = await response.Content.ReadAsStringAsync(timeout.Token);
        var run = new ScheduleRun(started, clock.Elapsed, (int)response.StatusCode, answer);
        _lastRuns[schedule.Name] = run;
        if (!response.IsSuccessStatusCode)
        {
            logger.LogWarning("{Schedule}: the function answered HTTP {Status}", schedule.Name, (int)response.StatusCode);
        }
        return run;
    }
}
