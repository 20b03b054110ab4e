using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MyBlog.AppHost.Startup;

namespace MyBlog.Tests.Unit;

/// <summary>What a newcomer sees in the terminal when the local run cannot work: the reason, not a silent dashboard.</summary>
public sealed class AppHostStartupTests
{
    private static IConfiguration Parameters(string setupCode, string linkKey = "local-link-key-change-me-0123456789abcdef",
        string idKey = "local-id-key-never-change-0123456789abcdef") =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Parameters:setup-code"] = setupCode,
            ["Parameters:link-key"] = linkKey,
            ["Parameters:id-key"] = idKey,
        }).Build();

    [Fact]
    public void The_local_parameters_pass()
    {
        Assert.Empty(LocalParameters.Problems(Parameters("local-setup-code-change-me")));
    }

    [Fact]
    public void A_parameter_the_services_would_refuse_is_named_with_the_rule_and_how_to_set_it()
    {
        var problem = Assert.Single(LocalParameters.Problems(Parameters("short")));
        Assert.Contains("setup-code", problem, StringComparison.Ordinal);
        Assert.Contains("minimum length of 16", problem, StringComparison.Ordinal);
        Assert.Contains("Parameters__setup-code=", problem, StringComparison.Ordinal);

        var both = LocalParameters.Problems(Parameters("local-setup-code-change-me", linkKey: "", idKey: "too-short"));
        Assert.Equal(2, both.Count);
        Assert.Contains(both, p => p.Contains("link-key", StringComparison.Ordinal));
        Assert.Contains(both, p => p.Contains("id-key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_AppHost_stops_before_starting_anything_when_a_parameter_would_be_refused()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [typeof(StartFailures).Assembly.Location, "--Parameters:setup-code=short"])
        {
            // Where `dotnet run --project MyBlog.AppHost` runs it: its appsettings.json holds the other parameters.
            WorkingDirectory = Path.Combine(MyBlog.Infrastructure.RepositoryRoot.Find(), "MyBlog.AppHost"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var problem = Assert.Single((await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("MyBlog: The parameter setup-code is not usable", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("dashboard", await output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AWS_mode_without_credentials_ends_in_the_terminal_with_the_preflight_s_line_and_deploys_nothing()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet",
            [typeof(StartFailures).Assembly.Location, "--Mode", "aws", "--Aws:SenderAddress=hello@example.com"])
        {
            WorkingDirectory = Path.Combine(MyBlog.Infrastructure.RepositoryRoot.Find(), "MyBlog.AppHost"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // An account nobody is signed in to: no keys, no profile files, no instance metadata.
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI" })
        {
            start.Environment.Remove(name);
        }
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials";
        start.Environment["AWS_CONFIG_FILE"] = "/nonexistent/config";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var failing = Assert.Single((await output).Split('\n'), l => l.StartsWith("FAIL", StringComparison.Ordinal));
        Assert.Contains("no AWS credentials", failing, StringComparison.Ordinal);
        Assert.Contains("nothing was deployed", await errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resource_that_exits_at_start_is_named_with_the_first_line_of_its_exception()
    {
        LogLine[] lines =
        [
            new(1, "2026-12-06T10:00:00.0000000Z info: Starting", false),
            new(2, "2026-12-06T10:00:01.0000000Z Unhandled exception. Microsoft.Extensions.Options.OptionsValidationException: Token: The field AdminOptions.Token must be a string with a minimum length of 16 and a maximum length of 4096.", true),
            new(3, "   at Microsoft.Extensions.Options.OptionsFactory`1.Create(String name)", true),
        ];
        var message = StartFailures.Describe("api", Launched.Next(KnownResourceStates.Exited, false), 134, lines);

        Assert.Equal("MyBlog: api did not start (exit code 134): Unhandled exception. Microsoft.Extensions.Options.OptionsValidationException: Token: The field AdminOptions.Token must be a string with a minimum length of 16 and a maximum length of 4096.", message);
    }

    [Fact]
    public void Running_resources_and_setup_steps_that_finished_their_work_are_not_failures()
    {
        Assert.Null(StartFailures.Describe("api", Launched, null, []));
        Assert.Null(StartFailures.Describe("emulators-setup", Launched.Next(KnownResourceStates.Finished, false), 0, []));
        Assert.Null(StartFailures.Describe("api", StartFailures.Course.Start.Next(KnownResourceStates.Starting, false), null, []));
        Assert.Equal("MyBlog: s3 did not start: it wrote nothing; see its console log in the dashboard.",
            StartFailures.Describe("s3", StartFailures.Course.Start.Next(KnownResourceStates.FailedToStart, false), null, []));
        Assert.Equal("MyBlog: dynamodb did not start (exit code 1): Address already in use",
            StartFailures.Describe("dynamodb", Launched.Next(KnownResourceStates.Exited, false), 1, [new(1, "Address already in use", true)]));
    }

    [Fact]
    public void A_resource_stopped_when_asked_is_not_a_failure_even_when_it_is_killed_for_outlasting_the_wait()
    {
        var stopping = Healthy.Next(KnownResourceStates.Stopping, false);

        Assert.Null(StartFailures.Describe("localaws", stopping.Next(KnownResourceStates.Exited, false), -1, []));
        Assert.Null(StartFailures.Describe("workers", stopping.Next(KnownResourceStates.Finished, false), 0, []));
        // Updates that repeat a state (its health, its addresses) do not make the state before it forgotten.
        Assert.Null(StartFailures.Describe("localaws",
            stopping.Next(KnownResourceStates.Exited, false).Next(KnownResourceStates.Exited, false), -1, []));
    }

    [Fact]
    public void A_resource_that_was_up_and_exits_by_itself_is_named_as_stopped_not_as_never_started()
    {
        var exited = Healthy.Next(KnownResourceStates.Exited, false);

        Assert.Equal("MyBlog: dynamodb stopped on its own (exit code 137): java.lang.OutOfMemoryError: Java heap space",
            StartFailures.Describe("dynamodb", exited, 137, [new(1, "java.lang.OutOfMemoryError: Java heap space", true)]));
        // Started again, it has to be healthy again before an exit counts as stopping.
        var again = exited.Next(KnownResourceStates.Starting, false).Next(KnownResourceStates.Running, false);
        Assert.StartsWith("MyBlog: dynamodb did not start (exit code 1)",
            StartFailures.Describe("dynamodb", again.Next(KnownResourceStates.Exited, false), 1, []), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_terminal_hears_of_each_failed_run_once_and_of_a_stop_that_was_asked_for_not_at_all()
    {
        var logs = new ResourceLoggerService();
        var notifications = new ResourceNotificationService(NullLogger<ResourceNotificationService>.Instance, new Lifetime(),
            new ServiceCollection().BuildServiceProvider(), logs);
        var heard = new Heard();
        using var failures = new StartFailures(notifications, logs, heard);
        await failures.StartAsync(CancellationToken.None);
        // The service subscribes in the background: until a resource that failed is heard, updates may pass it by.
        var ready = new Service("ready");
        var listening = DateTime.UtcNow.AddSeconds(10);
        while (heard.Count == 0)
        {
            Assert.True(DateTime.UtcNow < listening, "the service never heard a failed resource");
            await notifications.PublishUpdateAsync(ready, s => s with { State = KnownResourceStates.FailedToStart });
            await Task.Delay(20);
        }
        var api = new Service("api");

        async Task RunAsync(params (string State, int? ExitCode)[] states)
        {
            foreach (var (state, exitCode) in states)
            {
                await notifications.PublishUpdateAsync(api, s => s with { State = state, ExitCode = exitCode });
            }
        }
        // Up, then stopped from the dashboard and killed for outlasting the stop's wait; started again.
        await RunAsync((KnownResourceStates.Starting, null), (KnownResourceStates.Running, null),
            (KnownResourceStates.Stopping, null), (KnownResourceStates.Exited, -1));
        // Then a run that fails twice over (its exit repeated), and, started again, fails again.
        await RunAsync((KnownResourceStates.Starting, null), (KnownResourceStates.Running, null),
            (KnownResourceStates.Exited, 3), (KnownResourceStates.Exited, 3));
        await RunAsync((KnownResourceStates.Starting, null), (KnownResourceStates.Running, null), (KnownResourceStates.Exited, 3));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (heard.Messages.Count(m => m.StartsWith("MyBlog: api ", StringComparison.Ordinal)) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        await failures.StopAsync(CancellationToken.None);
        Assert.Equal(
            ["MyBlog: api stopped on its own (exit code 3): it wrote nothing; see its console log in the dashboard.",
             "MyBlog: api stopped on its own (exit code 3): it wrote nothing; see its console log in the dashboard."],
            heard.Messages.Where(m => m.StartsWith("MyBlog: api ", StringComparison.Ordinal)));
    }

    /// <summary>A launched process (DCP calls it running from the moment it starts), not yet healthy.</summary>
    private static readonly StartFailures.Course Launched =
        StartFailures.Course.Start.Next(KnownResourceStates.Starting, false).Next(KnownResourceStates.Running, false);

    private static readonly StartFailures.Course Healthy = Launched.Next(KnownResourceStates.Running, true);

    private sealed class Service(string name) : Resource(name);

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }

    /// <summary>What the service logged as errors, in order.</summary>
    private sealed class Heard : ILogger<StartFailures>
    {
        private readonly List<string> _messages = [];

        public int Count
        {
            get { lock (_messages) { return _messages.Count; } }
        }

        public IReadOnlyList<string> Messages
        {
            get { lock (_messages) { return [.. _messages]; } }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Error)
            {
                lock (_messages)
                {
                    _messages.Add(formatter(state, exception));
                }
            }
        }
    }
}
