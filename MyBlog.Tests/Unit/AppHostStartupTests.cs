using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
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
        var message = StartFailures.Describe("api", KnownResourceStates.Exited, 134, lines);

        Assert.Equal("MyBlog: api did not start (exit code 134): Unhandled exception. Microsoft.Extensions.Options.OptionsValidationException: Token: The field AdminOptions.Token must be a string with a minimum length of 16 and a maximum length of 4096.", message);
    }

    [Fact]
    public void Running_resources_and_setup_steps_that_finished_their_work_are_not_failures()
    {
        Assert.Null(StartFailures.Describe("api", KnownResourceStates.Running, null, []));
        Assert.Null(StartFailures.Describe("emulators-setup", KnownResourceStates.Finished, 0, []));
        Assert.Null(StartFailures.Describe("api", KnownResourceStates.Starting, null, []));
        Assert.Equal("MyBlog: s3 did not start: it wrote nothing; see its console log in the dashboard.",
            StartFailures.Describe("s3", KnownResourceStates.FailedToStart, null, []));
        Assert.Equal("MyBlog: dynamodb did not start (exit code 1): Address already in use",
            StartFailures.Describe("dynamodb", KnownResourceStates.Exited, 1, [new(1, "Address already in use", true)]));
    }
}
