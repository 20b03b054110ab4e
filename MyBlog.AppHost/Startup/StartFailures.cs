using System.Collections.Concurrent;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MyBlog.AppHost.Startup;

/// <summary>
/// Names, in the terminal, every resource that fails to start or exits on its own, with the reason from its own
/// output: without it a service that refuses its configuration shows only in the dashboard's console log, and the
/// terminal says nothing while the site never answers. A resource stopped when asked (the dashboard's Stop, a
/// region taken down) is not a failure, however it exits: one that outlasts the stop's wait is killed and exits -1.
/// </summary>
public sealed class StartFailures(ResourceNotificationService notifications, ResourceLoggerService logs, ILogger<StartFailures> logger)
    : BackgroundService
{
    /// <summary>How many of a resource's last lines are kept to find the reason in.</summary>
    private const int Kept = 40;

    private readonly ConcurrentDictionary<string, Queue<LogLine>> _lines = new();
    private readonly ConcurrentDictionary<string, bool> _reported = new();
    private readonly ConcurrentDictionary<string, Course> _courses = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                if (_lines.TryAdd(update.ResourceId, new Queue<LogLine>()))
                {
                    _ = KeepLinesAsync(update.ResourceId, stoppingToken);
                }
                var snapshot = update.Snapshot;
                var course = _courses.AddOrUpdate(update.ResourceId, _ => Course.Start.Next(snapshot), (_, c) => c.Next(snapshot));
                if (course.State == KnownResourceStates.Starting)
                {
                    // Started again: a failure of this run is news, whatever the last run did.
                    _reported.TryRemove(update.ResourceId, out _);
                }
                if (Describe(update.Resource.Name, course, snapshot.ExitCode, Lines(update.ResourceId)) is { } failure
                    && _reported.TryAdd(update.ResourceId, true))
                {
                    Console.Error.WriteLine(failure);
                    logger.LogError("{Failure}", failure);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// What to tell a person about a resource on <paramref name="course"/>, or null when it is not a failure (running,
    /// starting, stopping or stopped when asked, or a setup step that finished its work with exit code 0).
    /// </summary>
    public static string? Describe(string name, Course course, int? exitCode, IReadOnlyList<LogLine> lastLines)
    {
        var failed = course.State == KnownResourceStates.FailedToStart
            || (course.State == KnownResourceStates.Exited || course.State == KnownResourceStates.Finished)
                && exitCode is not null and not 0
                && course.Before != KnownResourceStates.Stopping;
        if (!failed)
        {
            return null;
        }
        var exit = exitCode is { } code ? $" (exit code {code})" : "";
        // A process is "running" from the moment it is launched; only one that answered its health checks had started.
        var what = course.WasHealthy ? "stopped on its own" : "did not start";
        return $"MyBlog: {name} {what}{exit}: {Reason(lastLines)}";
    }

    /// <summary>
    /// The line that says why: an unhandled exception's first line (a .NET service refusing its options writes one),
    /// else the last line written to standard error, else the last line at all.
    /// </summary>
    public static string Reason(IReadOnlyList<LogLine> lines)
    {
        var line = lines.Where(l => l.Content.Contains("Exception:", StringComparison.Ordinal)).Select(l => l.Content).FirstOrDefault()
            ?? lines.Where(l => l.IsErrorMessage).Select(l => l.Content).LastOrDefault()
            ?? lines.Select(l => l.Content).LastOrDefault();
        return line is null ? "it wrote nothing; see its console log in the dashboard." : Trim(line);
    }

    private static string Trim(string content)
    {
        var text = content.Trim();
        // Aspire prefixes each line with its timestamp.
        if (text.Length > 30 && DateTimeOffset.TryParse(text.AsSpan(0, text.IndexOf(' ') is > 0 and var space ? space : 0), out _))
        {
            text = text[(text.IndexOf(' ') + 1)..];
        }
        return text.Length <= 500 ? text : text[..500] + "…";
    }

    private IReadOnlyList<LogLine> Lines(string resourceId)
    {
        var queue = _lines.GetValueOrDefault(resourceId);
        if (queue is null)
        {
            return [];
        }
        lock (queue)
        {
            return [.. queue];
        }
    }

    private async Task KeepLinesAsync(string resourceId, CancellationToken ct)
    {
        try
        {
            var queue = _lines[resourceId];
            await foreach (var batch in logs.WatchAsync(resourceId).WithCancellation(ct))
            {
                lock (queue)
                {
                    foreach (var line in batch)
                    {
                        queue.Enqueue(line);
                        if (queue.Count > Kept)
                        {
                            queue.Dequeue();
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Where a resource's run has got to: its state, the different state before it (updates repeat a state as its
    /// health or addresses change), and whether this run was ever healthy.
    /// </summary>
    public sealed record Course(string? State, string? Before, bool WasHealthy)
    {
        public static readonly Course Start = new(null, null, false);

        public Course Next(CustomResourceSnapshot snapshot) => Next(snapshot.State?.Text, snapshot.HealthStatus == HealthStatus.Healthy);

        public Course Next(string? state, bool healthy)
        {
            if (string.IsNullOrEmpty(state))
            {
                return this;
            }
            var healthyNow = healthy && state == KnownResourceStates.Running;
            if (state == State)
            {
                return healthyNow && !WasHealthy ? this with { WasHealthy = true } : this;
            }
            return new Course(state, State, state != KnownResourceStates.Starting && (WasHealthy || healthyNow));
        }
    }
}
