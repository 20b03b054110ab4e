using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Options;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.LocalAws.Delivery;
using MyBlog.LocalAws.Mail;
using MyBlog.LocalAws.Provisioning;
using MyBlog.LocalAws.Queues;
using MyBlog.LocalAws.Replication;
using MyBlog.LocalAws.Scheduler;
using MyBlog.LocalAws.Streams;
using OpenTelemetry.Instrumentation.Http;

namespace MyBlog.LocalAws.Hosting;

public static class LocalAwsServices
{
    /// <summary>The stream event source mappings of the functions the table's stream feeds, with their filters and limits.</summary>
    public static IEnumerable<EventSourceMappingOptions> StreamMappings() =>
        AwsFunctions.Triggered<StreamTrigger>().Select(f => ToMapping(f.Function, f.Trigger));

    internal static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MyBlogOptions>().BindConfiguration(MyBlogOptions.Section).ValidatedBy(new MyBlogOptionsValidator());
        builder.Services.AddOptions<LocalAwsOptions>()
            .BindConfiguration(LocalAwsOptions.Section)
            .PostConfigure(options =>
            {
                if (options.StreamMappings.Count == 0)
                {
                    options.StreamMappings.AddRange(StreamMappings());
                }
                // One mapping's settings changed by name, e.g. LocalAws:Streams:welcome-mail:MaximumRetryAttempts.
                foreach (var mapping in options.StreamMappings)
                {
                    builder.Configuration.GetSection($"LocalAws:Streams:{mapping.Name}").Bind(mapping);
                }
            });

        builder.AddDynamoDbClient();

        // Polling GetRecords four times a second would bury the traces people look for, and so would replication's
        // bookkeeping (three small calls a change); deliveries are traced instead.
        // Nor would the schedule's runs, every few seconds; the sends a sweep makes join their subscribers' traces.
        builder.Services.Configure<HttpClientTraceInstrumentationOptions>(options =>
            options.FilterHttpRequestMessage = request =>
                !(request.Headers.TryGetValues("X-Amz-Target", out var target) && target.First().StartsWith("DynamoDB", StringComparison.Ordinal))
                && !AwsFunctions.Triggered<ScheduleTrigger>().Any(f => request.RequestUri?.AbsolutePath == f.Function.Path));

        builder.Services.AddSingleton<TableProvisioner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TableProvisioner>());
        builder.Services.AddHealthChecks().AddCheck<TableProvisioner>("table");

        var dynamoUrl = builder.Configuration["Aws:DynamoDbServiceUrl"]
            ?? throw new InvalidOperationException("LocalAws needs Aws:DynamoDbServiceUrl (DynamoDB Local).");
        var region = builder.Configuration["Aws:Region"] ?? "us-east-1";
        builder.Services.AddHttpClient("dynamodb-streams").AddTypedClient((http, _) => new DynamoDbStreamsClient(
            http, new Uri(dynamoUrl), region, DefaultAWSCredentialsIdentityResolver.GetCredentials().GetCredentials()));

        // Lambda's retry rules are BatchDelivery's job: no extra HTTP retries or timeouts on the worker calls.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way out.
        builder.Services.AddHttpClient(FunctionInvoker.HttpClientName, http =>
        {
            http.BaseAddress = new Uri(builder.Configuration["LocalAws:WorkersUrl"] ?? "http://workers");
            http.Timeout = Timeout.InfiniteTimeSpan;
        }).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddSingleton<FunctionInvoker>();
        builder.Services.AddSingleton<OnFailureDestination>();
        builder.Services.AddSingleton<BatchDelivery>();
        builder.Services.AddSingleton<StreamCheckpoints>();
        builder.Services.AddHostedService<StreamEventSourceMappings>();

        builder.Services.AddSingleton(sp => new LocalQueues(
            SqsEventSourceMappings.Configured(builder.Configuration), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService<SqsEventSourceMappings>();

        // SES's SendEmail, handed to the mail sink.
        builder.Services.AddOptions<SmtpRelayOptions>().BindConfiguration(SmtpRelayOptions.Section).ValidatedBy(new SmtpRelayOptionsValidator());
        builder.Services.AddSingleton<SmtpRelay>();

        // Global tables: this region's changes shipped to the other regions' LocalAws, theirs applied here.
        builder.Services.AddOptions<ReplicationOptions>().BindConfiguration(ReplicationOptions.Section);
        builder.Services.AddSingleton<ReplicationLedger>();
        builder.Services.AddHostedService<ReplicationNoter>();
        builder.Services.AddSingleton<ReplicationShipper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReplicationShipper>());
#pragma warning disable EXTEXP0001 // The shipper retries a peer for as long as it is down; no retries or timeouts under it.
        builder.Services.AddHttpClient(ReplicationShipper.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(30)).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddSingleton<LocalScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LocalScheduler>());
        builder.Services.AddSingleton<OneTimeSchedules>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OneTimeSchedules>());
    }

    private static EventSourceMappingOptions ToMapping(FunctionDeclaration function, StreamTrigger stream) => new()
    {
        Name = function.Name,
        Path = function.Path,
        FilterPatterns = [.. stream.FilterPatterns],
        BatchSize = stream.BatchSize,
        MaximumBatchingWindow = stream.MaximumBatchingWindow,
        MaximumRetryAttempts = stream.MaximumRetryAttempts,
        BisectBatchOnFunctionError = stream.BisectBatchOnFunctionError,
    };
}
