using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace MyBlog.ServiceDefaults;

/// <summary>
/// On AWS the spans the dashboard shows locally go to X-Ray's OTLP endpoint (CloudWatch Transaction Search),
/// signed with the function's role; the same W3C trace ids, so the subscribe request, the stream delivery and the
/// send are one trace there too. A Lambda is frozen as soon as it has answered, so each request flushes its spans
/// before it answers. Set by the stack with <c>Telemetry:XRayRegion</c>; locally spans go to the Aspire dashboard.
/// </summary>
public static class XRayTraces
{
    public const string RegionKey = "Telemetry:XRayRegion";

    /// <summary>X-Ray's OTLP traces endpoint in the region, unless this says otherwise (a test's stand-in).</summary>
    public const string EndpointKey = "Telemetry:XRayEndpoint";

    public static TBuilder AddXRayTraces<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.Configuration[RegionKey] is not { Length: > 0 } region)
        {
            return builder;
        }
        var endpoint = builder.Configuration[EndpointKey] is { Length: > 0 } configured ? configured : $"https://xray.{region}.amazonaws.com/v1/traces";
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddOtlpExporter(options =>
        {
            options.Endpoint = new Uri(endpoint);
            options.Protocol = OtlpExportProtocol.HttpProtobuf;
            options.HttpClientFactory = () => new HttpClient(new SigningHandler("xray", region) { InnerHandler = new SocketsHttpHandler() });
        }));
        builder.Services.AddTransient<IStartupFilter, FlushBeforeAnswering>();
        return builder;
    }

    /// <summary>
    /// The first middleware of the app: once the rest has handled a request, its spans are exported before the
    /// answer leaves (a Lambda is frozen once it has answered). The request's own server span ends just after, and
    /// goes with the next request's, or when the function shuts down.
    /// </summary>
    private sealed class FlushBeforeAnswering : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var traces = app.ApplicationServices.GetService<TracerProvider>();
            app.Use(async (context, rest) =>
            {
                await rest(context);
                if (traces is not null)
                {
                    // ForceFlush blocks until the export is done, and the export's own I/O completes on the thread
                    // pool: on a one-vCPU function, a pool thread blocked here starves it for the second or so the
                    // pool takes to add a thread (measured: the native API's first answer 46 ms → 920 ms). So the
                    // wait has a thread of its own.
                    await Task.Factory.StartNew(() => traces.ForceFlush(2000), CancellationToken.None,
                        TaskCreationOptions.LongRunning, TaskScheduler.Default);
                }
            });
            next(app);
        };
    }

    /// <summary>
    /// Signs each export with SigV4 (service "xray"). The exporter sends synchronously on .NET, so both sends are
    /// overridden; the body is read once to be hashed and sent as those bytes.
    /// </summary>
    private sealed class SigningHandler(string service, string region) : DelegatingHandler
    {
        private readonly AWSCredentials _credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials();

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sign(request);
            return base.Send(request, cancellationToken);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sign(request);
            return base.SendAsync(request, cancellationToken);
        }

        private void Sign(HttpRequestMessage request)
        {
            var payload = Array.Empty<byte>();
            if (request.Content is { } content)
            {
                using var body = new MemoryStream();
                content.ReadAsStream().CopyTo(body);
                payload = body.ToArray();
                var signed = new ByteArrayContent(payload);
                foreach (var header in content.Headers)
                {
                    signed.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
                request.Content = signed;
            }
            SigV4.Sign(request, payload, service, region, _credentials.GetCredentials(), DateTime.UtcNow);
        }
    }
}
