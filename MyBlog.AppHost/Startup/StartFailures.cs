using System.Collections.Concurrent;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MyBlog.AppHost.Startup;

/// <summary>
/// Names, in the terminal, every resource that fails to start or exits on its own, with the reason from its own
/// output: without it a service that refuses its configuration shows only in the dashboard's console log, and the
/// terminal says nothing while the site never answers.
/// </summary>
public sealed class StartFailures(ResourceNotificationService notifications, ResourceLoggerService logs, ILogger<StartFailures> logger)
    : BackgroundService
{
    /// <summary>How many of a resource's last lines are kept to find the reason in.</summary>
    private const int Kept = 40;

    private readonly ConcurrentDictionary<string, Queue<LogLine>> _lines = new();
    private readonly ConcurrentDictionary<string, bool> _reported = new();

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
                if (Describe(update.Resource.Name, snapshot.State?.Text, snapshot.ExitCode, Lines(update.ResourceId)) is { } failure
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
    /// What to tell a person about a resource in <paramref name="state"/>, or null when it is not a failure (running,
    /// starting, or a setup step that finished its work with exit code 0).
    /// </summary>
    public static string? Describe(string name, string? state, int? exitCode, IReadOnlyList<LogLine> lastLines)
    {
        var failed = state == KnownResourceStates.FailedToStart
            || (state == KnownResourceStates.Exited || state == KnownResourceStates.Finished) && exitCode is not null and not 0;
        if (!failed)
        {
            return null;
        }
        var exit = exitCode is { } code ? $" (exit code {code})" : "";
        return $"MyBlog: {name} did not start{exit}: {Reason(lastLines)}";
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
}
