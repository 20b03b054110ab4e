namespace MyBlog.AppHost.Aws;

/// <summary>
/// AWS mode's inputs (bound from the AppHost's "Aws" configuration section: <c>--Aws:SenderAddress=…</c> on the
/// command line, or appsettings) and the commands it runs: build the Lambda packages, then <c>cdk deploy</c> with
/// the pinned CLI through npx, writing the outputs file the projects are configured from.
/// </summary>
public sealed class AwsModeSettings
{
    public const string CdkCliVersion = "2.160.0";

    public string HomeRegion { get; set; } = "us-east-1";
    public string? ReplicaRegions { get; set; }
    public string? DomainName { get; set; }
    public string? CertificateArn { get; set; }
    public string? HostedZoneId { get; set; }
    public string? HostedZoneName { get; set; }
    public string? SenderAddress { get; set; }
    public string? Profile { get; set; }

    /// <summary>The local edge's origins: the editor at http://localhost:8080/admin/ PUTs photos to the real uploads bucket.</summary>
    public string LocalEdgeOrigins { get; set; } = "http://localhost:8080,http://127.0.0.1:8080";

    /// <summary>Where cdk writes the outputs (default: a file in the system's temp folder).</summary>
    public string OutputsFile { get; set; } = Path.Combine(Path.GetTempPath(), "myblog-aws", "outputs.json");
}

public static class CdkDeploy
{
    /// <summary><c>dotnet run --project MyBlog.Infrastructure -- package</c>: the self-contained Lambda packages.</summary>
    public static IReadOnlyList<string> PackageArguments() => ["run", "--project", "MyBlog.Infrastructure", "--", "package"];

    /// <summary>
    /// <c>npx --yes aws-cdk@2.160.0 deploy --all --require-approval never --outputs-file … -c key=value …</c>,
    /// run in MyBlog.Infrastructure (its cdk.json names the app): the MyBlog stack and, with replica regions, each
    /// region's stack and the media replication's after it, in that order.
    /// </summary>
    public static IReadOnlyList<string> DeployArguments(AwsModeSettings settings)
    {
        var arguments = new List<string>
        {
            "--yes", $"aws-cdk@{AwsModeSettings.CdkCliVersion}", "deploy", "--all",
            "--require-approval", "never",
            "--outputs-file", settings.OutputsFile,
            "--progress", "events",
        };
        if (!string.IsNullOrWhiteSpace(settings.Profile))
        {
            arguments.AddRange(["--profile", settings.Profile]);
        }
        arguments.AddRange(ContextArguments(settings));
        return arguments;
    }

    /// <summary>
    /// <c>dotnet run --project MyBlog.Infrastructure -- preflight -c key=value …</c>: the account read with the
    /// deploy's own inputs, before anything is packaged.
    /// </summary>
    public static IReadOnlyList<string> PreflightArguments(AwsModeSettings settings) =>
        ["run", "--project", "MyBlog.Infrastructure", "--", "preflight", .. ContextArguments(settings)];

    /// <summary>The stack's inputs as CDK context (<c>-c key=value</c>), the same for the preflight and the deploy.</summary>
    private static List<string> ContextArguments(AwsModeSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.SenderAddress))
        {
            throw new InvalidOperationException("AWS mode needs the SES sender: --Aws:SenderAddress=hello@example.com");
        }
        var arguments = new List<string>();
        void Context(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                arguments.AddRange(["-c", $"{key}={value.Trim()}"]);
            }
        }
        Context("homeRegion", settings.HomeRegion);
        Context("replicaRegions", settings.ReplicaRegions);
        Context("domainName", settings.DomainName);
        Context("certificateArn", settings.CertificateArn);
        Context("hostedZoneId", settings.HostedZoneId);
        Context("hostedZoneName", settings.HostedZoneName);
        Context("senderAddress", settings.SenderAddress);
        Context("extraUploadOrigins", settings.LocalEdgeOrigins);
        return arguments;
    }

    /// <summary>
    /// Runs the preflight in the terminal, its lines as they come; the deploy goes ahead only when nothing failed.
    /// The AWS profile, when named, is the preflight's too.
    /// </summary>
    public static async Task<int> PreflightAsync(string repositoryRoot, AwsModeSettings settings)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", PreflightArguments(settings)) { WorkingDirectory = repositoryRoot };
        if (!string.IsNullOrWhiteSpace(settings.Profile))
        {
            start.Environment["AWS_PROFILE"] = settings.Profile;
        }
        Console.WriteLine("MyBlog: reading the AWS account before deploying (preflight) …");
        using var process = System.Diagnostics.Process.Start(start)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
