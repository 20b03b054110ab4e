using Microsoft.Extensions.DependencyInjection;

namespace MyBlog.AppHost.Regions;

/// <summary>
/// A region's outage as two commands in the dashboard, on the region's DynamoDB Local (which stays up, as a region's
/// storage outlives an outage of its services): "Take … down" stops the region's API, workers and LocalAws —
/// its requests, its stream deliveries and schedules, its replication; "Bring … back" starts them again, LocalAws
/// first, each once the one before is healthy, and the region catches up from where it stopped.
/// </summary>
public static class RegionOutage
{
    public const string DownCommand = "region-down";
    public const string UpCommand = "region-up";

    /// <param name="services">The region's services, in the order they go down (the API first, so no request starts work that then cannot finish).</param>
    public static IResourceBuilder<ExecutableResource> WithRegionOutageCommands(
        this IResourceBuilder<ExecutableResource> storage, string region, IReadOnlyList<IResourceBuilder<ProjectResource>> services)
    {
        var names = services.Select(s => s.Resource.Name).ToList();
        storage.WithCommand(DownCommand, $"Take {region} down", async context =>
        {
            var commands = context.Services.GetRequiredService<ResourceCommandService>();
            var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
            async Task<bool> StopAsync(string name)
            {
                // A busy process may outlast the stop command's own wait; it is stopping all the same, and is
                // asked again until it has.
                for (var attempt = 1; attempt <= 5; attempt++)
                {
                    await commands.ExecuteCommandAsync(name, KnownResourceCommands.StopCommand, context.CancellationToken);
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
                    wait.CancelAfter(TimeSpan.FromSeconds(20));
                    try
                    {
                        await notifications.WaitForResourceAsync(name, KnownResourceStates.TerminalStates, wait.Token);
                        return true;
                    }
                    catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
                    {
                    }
                }
                return false;
            }
            // The processes that write first, LocalAws last: it stands in for DynamoDB stamping each write as it is
            // made, and notes the last writes on its way down.
            var stopped = await Task.WhenAll(names.Take(names.Count - 1).Select(StopAsync));
            // A region whose services are still running is not down, whatever was asked: say so rather than succeed.
            if (stopped.Contains(false) || !await StopAsync(names[^1]))
            {
                return CommandResults.Failure($"{region} is not down: a service did not stop when asked five times; see its console log.");
            }
            return CommandResults.Success();
        }, new CommandOptions
        {
            Description = $"Stop {string.Join(", ", names)}: {region}'s API, stream deliveries, schedules and replication, as in a region's outage.",
            ConfirmationMessage = $"Take {region} down? The edge sends its requests to the next healthy region.",
            IconName = "CloudDismiss",
        });
        storage.WithCommand(UpCommand, $"Bring {region} back", async context =>
        {
            var commands = context.Services.GetRequiredService<ResourceCommandService>();
            var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var name in Enumerable.Reverse(names))
            {
                var result = await commands.ExecuteCommandAsync(name, KnownResourceCommands.StartCommand, context.CancellationToken);
                if (!result.Success)
                {
                    return result;
                }
                await notifications.WaitForResourceHealthyAsync(name, context.CancellationToken);
            }
            return CommandResults.Success();
        }, new CommandOptions
        {
            Description = $"Start {string.Join(", ", Enumerable.Reverse(names))} again; {region} catches up from where it stopped.",
            IconName = "CloudArrowUp",
        });
        return storage;
    }
}
