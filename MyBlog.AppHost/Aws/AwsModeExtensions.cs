using Microsoft.Extensions.Configuration;

namespace MyBlog.AppHost.Aws;

/// <summary>The AWS mode's resources: the packaging and deploy steps, and projects configured from the stack's outputs.</summary>
public static class AwsModeExtensions
{
    public const string ModeKey = "Mode";

    /// <summary>AWS mode is on with <c>--Mode aws</c> (or <c>Mode=aws</c> in configuration or the environment).</summary>
    public static bool IsAwsMode(this IConfiguration configuration) =>
        string.Equals(configuration[ModeKey], "aws", StringComparison.OrdinalIgnoreCase);

    public static AwsModeSettings AwsModeSettings(this IConfiguration configuration) =>
        configuration.GetSection("Aws").Get<AwsModeSettings>() ?? new AwsModeSettings();

    /// <summary>Builds the Lambda packages, then deploys the stack; completes when CloudFormation has.</summary>
    public static IResourceBuilder<ExecutableResource> AddCdkDeploy(this IDistributedApplicationBuilder builder, string name, AwsModeSettings settings)
    {
        var root = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        var package = builder.AddExecutable($"{name}-packages", "dotnet", root, [.. CdkDeploy.PackageArguments()]);
        Directory.CreateDirectory(Path.GetDirectoryName(settings.OutputsFile)!);
        return builder.AddExecutable(name, "npx", Path.Combine(root, "MyBlog.Infrastructure"), [.. CdkDeploy.DeployArguments(settings)])
            .WithEnvironment("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
            .WaitForCompletion(package);
    }

    /// <summary>Configures a project from the stack's outputs once the deploy has completed.</summary>
    public static IResourceBuilder<T> WithStackOutputs<T>(
        this IResourceBuilder<T> project, IResourceBuilder<ExecutableResource> deploy, AwsModeSettings settings,
        Func<StackOutputs, IReadOnlyDictionary<string, string>> select)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport =>
        project
            .WaitForCompletion(deploy)
            .WithEnvironment(context =>
            {
                foreach (var (key, value) in select(StackOutputs.Read(settings.OutputsFile)))
                {
                    context.EnvironmentVariables[key] = value;
                }
                if (!string.IsNullOrWhiteSpace(settings.Profile))
                {
                    context.EnvironmentVariables["AWS_PROFILE"] = settings.Profile;
                }
            });
}
