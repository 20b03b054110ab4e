using Microsoft.Extensions.DependencyInjection;

namespace MyBlog.AppHost.Startup;

/// <summary>
/// Services send their traces, metrics and logs to the dashboard. When the AppHost runs without one (the tests and
/// benchmarks start it that way), Aspire still hands every service a collector address, nothing listens there, and
/// each exporter keeps its failed batches in memory and retries them: CPU and memory spent on nothing, and a service
/// asked to stop first waits out its exporters' retries — about ten seconds a process, which is what a region's
/// outage command and every test's shutdown were spending. Without a dashboard, services are given no collector and
/// export nothing.
/// </summary>
public static class DashboardTelemetry
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IDistributedApplicationBuilder ExportTelemetryOnlyToTheDashboard(this IDistributedApplicationBuilder builder)
    {
        builder.Eventing.Subscribe<BeforeStartEvent>((started, _) =>
        {
            if (started.Services.GetRequiredService<DistributedApplicationOptions>().DisableDashboard)
            {
                foreach (var resource in started.Model.Resources.Where(r => r.Annotations.OfType<OtlpExporterAnnotation>().Any()))
                {
                    // Runs after Aspire's own callback (annotations run in the order they were added), so it has the last word.
                    resource.Annotations.Add(new EnvironmentCallbackAnnotation(context => context.EnvironmentVariables.Remove(EndpointVariable)));
                }
            }
            return Task.CompletedTask;
        });
        return builder;
    }
}
