using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using MyBlog.Aws.Functions;
using MyBlog.LocalAws.Delivery;

namespace MyBlog.LocalAws.Scheduler;

/// <summary>A one-time schedule as EventBridge Scheduler holds it: when, and what to invoke with what.</summary>
public sealed record OneTimeSchedule(string Name, DateTimeOffset At, string TargetArn, string Input, int MaximumRetryAttempts)
{
    /// <summary>The function the ARN names (by its name, the last part of the ARN).</summary>
    public FunctionDeclaration? Target => AwsFunctions.Workers.FirstOrDefault(f => TargetArn.EndsWith(":function:" + f.Name, StringComparison.Ordinal));
}

/// <summary>
/// EventBridge Scheduler's one-time schedules (<c>at(…)</c>), locally: each fires once at its time by POSTing its
/// input to the target function's Workers path, is retried a few times if the function fails, and is deleted
/// afterwards (ActionAfterCompletion DELETE, which is how MyBlog creates them). Held in memory: what a stopped
/// LocalAws misses, the recurring run of the same function catches (as it would a schedule that failed on AWS).
/// </summary>
public sealed class OneTimeSchedules(IHttpClientFactory httpClientFactory, TimeProvider time, ILogger<OneTimeSchedules> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, OneTimeSchedule> _schedules = new(StringComparer.Ordinal);

    public IReadOnlyCollection<OneTimeSchedule> All => [.. _schedules.Values];

    public bool TryGet(string name, out OneTimeSchedule schedule) => _schedules.TryGetValue(name, out schedule!);

    public bool TryAdd(OneTimeSchedule schedule) => _schedules.TryAdd(schedule.Name, schedule);

    public bool TryReplace(OneTimeSchedule schedule)
    {
        while (_schedules.TryGetValue(schedule.Name, out var current))
        {
            if (_schedules.TryUpdate(schedule.Name, schedule, current))
            {
                return true;
            }
        }
        return false;
    }

    public bool TryRemove(string name) => _schedules.TryRemove(name, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var schedule in _schedules.Values.Where(s => s.At <= time.GetUtcNow()))
            {
                // Taken off before it runs, so a run that outlasts the tick is not started twice.
                if (((ICollection<KeyValuePair<string, OneTimeSchedule>>)_schedules).Remove(new(schedule.Name, schedule)))
                {
                    _ = Task.Run(() => FireAsync(schedule, stoppingToken), stoppingToken);
                }
            }
        }
    }

    private async Task FireAsync(OneTimeSchedule schedule, CancellationToken ct)
    {
        if (schedule.Target is not { } target)
        {
            logger.LogWarning("{Schedule}: no local function for {Arn}; dropped", schedule.Name, schedule.TargetArn);
            return;
        }
        for (var attempt = 0; attempt <= schedule.MaximumRetryAttempts && !ct.IsCancellationRequested; attempt++)
        {
            try
            {
                using var response = await httpClientFactory.CreateClient(FunctionInvoker.HttpClientName).PostAsync(target.Path,
                    new StringContent(schedule.Input, Encoding.UTF8, "application/json"), ct);
                if (response.IsSuccessStatusCode)
                {
                    logger.LogInformation("{Schedule}: invoked {Path} at {At}", schedule.Name, target.Path, schedule.At);
                    return;
                }
                logger.LogWarning("{Schedule}: the function answered HTTP {Status}", schedule.Name, (int)response.StatusCode);
            }
            catch (HttpRequestException ex)
            {
                logger.LogWarning("{Schedule}: the function is away ({Message})", schedule.Name, ex.Message);
            }
            await Task.Delay(RetryDelay, ct);
        }
    }

    /// <summary>
    /// The time of an <c>at(yyyy-mm-ddThh:mm:ss)</c> expression in <paramref name="timeZone"/> (an IANA name, UTC
    /// when absent), or null when it is not one.
    /// </summary>
    public static DateTimeOffset? ParseAt(string? expression, string? timeZone)
    {
        if (expression is null || !expression.StartsWith("at(", StringComparison.Ordinal) || !expression.EndsWith(')')
            || !DateTime.TryParseExact(expression[3..^1], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return null;
        }
        var zone = string.IsNullOrEmpty(timeZone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
