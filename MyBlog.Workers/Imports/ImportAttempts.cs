using MyBlog.Aws.Functions;
using MyBlog.Core.Imports;

namespace MyBlog.Workers.Imports;

/// <summary>
/// One delivery of an uploaded import (a blog archive or a subscriber list): takes the job (a redelivered event for
/// a finished import does nothing, a live run is never taken over), runs it, and decides what a failure means. The
/// import ends <c>done</c> or <c>failed</c> on the last delivery at the latest: a run that fails there records why
/// instead of handing the message to the dead-letter queue, and an upload whose earlier runs all vanished mid-way (a
/// Lambda timeout, a process the upload brought down) is not tried again — it would vanish again — but recorded as
/// failed, with what those runs finished kept.
/// </summary>
public static class ImportAttempts
{
    public static async Task RunAsync(
        ImportStore imports, string id, int receiveCount, TimeSpan lease, TimeProvider time, ILogger logger, string whyVanished,
        Func<CancellationToken, Task> run, Func<Task> discardUpload, CancellationToken ct)
    {
        if (await imports.TryStartAsync(id, time.GetUtcNow() + lease, ct) is not { } start)
        {
            logger.LogInformation("Import {Id} is done or being run; nothing to do", id);
            return;
        }
        var lastDelivery = receiveCount >= AwsFunctions.Imports.Queue.MaxReceiveCount;
        if (lastDelivery && start.Vanished > 0)
        {
            var job = await imports.GetAsync(id, ct);
            await imports.FinishAsync(id, job?.Format, job?.Results ?? [],
                $"The import stopped without finishing {start.Vanished} time(s) within the import's " +
                $"{AwsFunctions.Imports.FunctionTimeout.TotalMinutes:0} minutes: {whyVanished}", ct, job?.Tally);
            await discardUpload();
            return;
        }
        try
        {
            await run(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (!lastDelivery)
            {
                await imports.ReleaseAsync(id, CancellationToken.None);
                throw;
            }
            logger.LogError(ex, "Import {Id} failed on its last delivery", id);
            var job = await imports.GetAsync(id, CancellationToken.None);
            await imports.FinishAsync(id, job?.Format, job?.Results ?? [],
                $"The import could not finish after {receiveCount} attempts ({ex.GetType().Name}); what it finished is kept. Try again later.",
                CancellationToken.None, job?.Tally);
        }
    }
}
