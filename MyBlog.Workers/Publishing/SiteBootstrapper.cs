using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MyBlog.Workers.Publishing;

/// <summary>
/// A new site bucket has no pages until the first publish; this renders the whole site once when the bucket has
/// never been published to (no manifest), so a fresh install serves a home page straight away.
/// </summary>
public sealed class SiteBootstrapper(SiteBucket bucket, SitePublisher publisher, ILogger<SiteBootstrapper> logger)
    : BackgroundService, IHealthCheck
{
    private volatile bool _ready;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ready ? HealthCheckResult.Healthy("The site has been built") : HealthCheckResult.Unhealthy("First site build pending"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; attempt <= 30 && !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                if (await bucket.ReadManifestAsync(stoppingToken) is null)
                {
                    await publisher.RebuildAsync(stoppingToken);
                }
                _ready = true;
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "First site build failed (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }
}
