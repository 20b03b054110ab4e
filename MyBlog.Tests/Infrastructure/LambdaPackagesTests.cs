using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyBlog.Infrastructure;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Infrastructure;

/// <summary>
/// The real Lambda packages, built once with the documented command (<c>-- package</c>, i.e.
/// <see cref="LambdaPackages.BuildAsync"/>) into a temporary folder: about a minute and a half on two cores.
/// </summary>
public sealed class BuiltPackages : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("myblog-lambda-").FullName;
    public StringWriter Log { get; } = new();
    public int ExitCode { get; private set; } = -1;

    public string Path(string package, params string[] parts) => System.IO.Path.Combine([Root, package, .. parts]);

    public async Task InitializeAsync() => ExitCode = await LambdaPackages.BuildAsync(RepositoryRoot.Find(), "linux-x64", Root, Log);

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Each package's <c>bootstrap</c> — what Lambda runs on provided.al2023 — starts the app on the adapter's port with
/// the environment the template gives that function, its secrets read from Parameter Store at start. Parameter
/// Store is the one AWS service the start touches; a local stand-in answers GetParameter on the SDK's endpoint
/// override, as the real one would.
/// </summary>
[Collection(SynthesizedStackCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // the packages are linux-x64; Lambda runs them on Linux
public sealed class LambdaPackagesTests(SynthesizedStack stack, BuiltPackages packages) : IClassFixture<BuiltPackages>
{
    /// <summary>What CloudFormation fills in for the template's references, in the shape it would.</summary>
    private static readonly Dictionary<string, string> Deployed = new()
    {
        ["MyBlog__TableName"] = "MyBlog-TableCD117FA1-1A2B3C4D5E6F",
        ["MyBlog__SiteUrl"] = $"https://{SynthesizedStack.Domain}",
        ["Photos__UploadsBucket"] = "myblog-bucketsuploads-1a2b3c4d5e6f",
        ["Photos__MediaBucket"] = "myblog-bucketsmedia-1a2b3c4d5e6f",
        ["Publishing__SiteBucket"] = "myblog-bucketssite-1a2b3c4d5e6f",
        ["Publishing__DistributionId"] = "E2QWRUHAPOMQZL",
        ["Mail__Host"] = "email-smtp.eu-west-1.amazonaws.com",
    };

    private static readonly Dictionary<string, string> Parameters = new()
    {
        ["/myblog/ses-smtp"] = """{"UserName": "AKIAIOSFODNN7EXAMPLE", "Password": "BExampleSmtpPasswordDerivedFromTheSecretKey0"}""",
        ["/myblog/admin-token"] = "an-admin-token-long-enough-to-pass-validation-0123456789",
        ["/myblog/origin-secret"] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    };

    [Fact]
    public void Each_package_is_a_self_contained_linux_build_with_an_executable_bootstrap()
    {
        Assert.True(packages.ExitCode == 0, packages.Log.ToString());
        foreach (var (package, _, assembly) in LambdaPackages.All)
        {
            var bootstrap = packages.Path(package, "bootstrap");
            var mode = File.GetUnixFileMode(bootstrap);
            Assert.True(mode.HasFlag(UnixFileMode.UserExecute) && mode.HasFlag(UnixFileMode.OtherExecute), $"{package}/bootstrap is {mode}");
            var script = File.ReadAllText(bootstrap);
            Assert.StartsWith("#!/bin/sh\n", script, StringComparison.Ordinal);
            Assert.DoesNotContain("\r", script, StringComparison.Ordinal);
            Assert.Contains($"exec ./{assembly} ", script, StringComparison.Ordinal);

            // Self-contained: the runtime travels with the app (provided.al2023 has no .NET), native linux-x64 host.
            Assert.True(File.Exists(packages.Path(package, "libcoreclr.so")), $"{package} has no runtime");
            Assert.True(File.Exists(packages.Path(package, assembly)), $"{package} has no app host");
            var runtimeConfig = JsonNode.Parse(File.ReadAllText(packages.Path(package, $"{assembly}.runtimeconfig.json")))!;
            Assert.NotNull(runtimeConfig["runtimeOptions"]!["includedFrameworks"]);
            // provided.al2023 has no ICU; without invariant mode the runtime would stop at start there.
            Assert.True(runtimeConfig["runtimeOptions"]!["configProperties"]!["System.Globalization.Invariant"]!.GetValue<bool>());
            // ReadyToRun: precompiled code in the app's own assembly (its PE header carries a managed native header).
            Assert.True(IsReadyToRun(packages.Path(package, $"{assembly}.dll")), $"{assembly}.dll is not ReadyToRun");
        }
    }

    [Theory]
    [InlineData("Api", "api")]
    [InlineData("WelcomeMail", "workers")]
    [InlineData("Thumbnails", "workers")]
    public async Task The_bootstrap_starts_the_function_on_the_adapter_port_with_the_template_environment(string function, string package)
    {
        Assert.True(packages.ExitCode == 0, packages.Log.ToString());
        var variables = stack.Function(function).Properties["Environment"]!["Variables"]!.AsObject();
        var environment = variables.ToDictionary(v => v.Key, v => v.Value is JsonValue value
            ? value.GetValue<string>()
            : Deployed.GetValueOrDefault(v.Key) ?? throw new Xunit.Sdk.XunitException($"No deployed value for {v.Key} = {v.Value!.ToJsonString()}"));
        using var parameterStore = new ParameterStoreStandIn(Parameters);
        var port = LocalHttpServer.FreePort();
        // Lambda's own variables, and the adapter's port: the template's 8080 may be taken on a developer's machine.
        environment["AWS_LWA_PORT"] = port.ToString();
        environment["AWS_REGION"] = "eu-west-1";
        environment["AWS_ACCESS_KEY_ID"] = "ASIAEXAMPLEEXAMPLE00";
        environment["AWS_SECRET_ACCESS_KEY"] = "example-secret-access-key";
        environment["AWS_SESSION_TOKEN"] = "example-session-token";
        environment["AWS_ENDPOINT_URL"] = parameterStore.Url;
        var xray = new List<(string? Authorization, string? ContentType, byte[] Body)>();
        using var xrayStandIn = new LocalHttpServer(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            lock (xray)
            {
                xray.Add((context.Request.Headers["Authorization"], context.Request.ContentType, body.ToArray()));
            }
        });
        environment["Telemetry__XRayEndpoint"] = xrayStandIn.Url + "v1/traces";
        environment["PATH"] = "/usr/bin:/bin";

        using var app = Start(packages.Path(package, "bootstrap"), environment, out var output);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            await WaitHealthyAsync(http, app, output);
            Assert.Contains($"Now listening on: http://127.0.0.1:{port}", output.ToString(), StringComparison.Ordinal);

            if (environment.TryGetValue("AWS_LWA_PASS_THROUGH_PATH", out var passThrough))
            {
                // What the adapter does with a non-HTTP event: POST it to the pass-through path.
                using var answer = await http.PostAsync(passThrough, new StringContent("""{"Records": []}""", Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.Equal("[]", JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["batchItemFailures"]!.ToJsonString());
            }

            if (function == "WelcomeMail")
            {
                // The welcome mailer composes only what it uses: the site's renderer and ImageSharp are never loaded.
                var mapped = await File.ReadAllTextAsync($"/proc/{app.Id}/maps");
                Assert.Contains("MyBlog.Workers.dll", mapped);
                Assert.DoesNotContain("SixLabors.ImageSharp.dll", mapped);
                Assert.DoesNotContain("MyBlog.Site.dll", mapped);
                Assert.DoesNotContain("Markdig.dll", mapped);
            }

            // The spans go to X-Ray's OTLP endpoint, signed with the function's credentials for the xray service,
            // before each answer (the second request's flush carries the first one's server span).
            Assert.Equal("eu-west-1", environment["Telemetry__XRayRegion"]);
            using (await http.GetAsync("/api/posts")) { }
            using (await http.GetAsync("/api/posts")) { }
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline && !xray.ToList().Any(x => Contains(x.Body, "/api/posts")))
            {
                await Task.Delay(100);
            }
            var export = xray.ToList().First(x => Contains(x.Body, "/api/posts"));
            Assert.Equal("application/x-protobuf", export.ContentType);
            Assert.Matches(@"^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE00/\d{8}/eu-west-1/xray/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$", export.Authorization);

            // Every Secrets__* name was read, decrypted, once; nothing else in Parameter Store.
            var secrets = environment.Where(e => e.Key.StartsWith("Secrets__", StringComparison.Ordinal)).Select(e => e.Value).Order();
            Assert.Equal(secrets, parameterStore.Requests.Select(r => r.Name).Order());
            Assert.All(parameterStore.Requests, r => Assert.True(r.WithDecryption));
        }
        finally
        {
            app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync();
        }
    }

    private static Process Start(string bootstrap, Dictionary<string, string> environment, out StringBuilder output)
    {
        var start = new ProcessStartInfo(bootstrap)
        {
            WorkingDirectory = Path.GetTempPath(), // Lambda's working directory is not the task root; bootstrap must cope.
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var lines = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (lines) { lines.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (lines) { lines.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = lines;
        return process;
    }

    private static async Task WaitHealthyAsync(HttpClient http, Process app, StringBuilder output)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (app.HasExited)
            {
                throw new Xunit.Sdk.XunitException($"The app exited with {app.ExitCode}:\n{output}");
            }
            try
            {
                using var health = await http.GetAsync("/health");
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"/health did not answer 200 within 60 s:\n{output}");
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    /// <summary>A ReadyToRun image has a managed native header in its CLI header (ECMA-335 II.25.3.3, offset 64).</summary>
    private static bool IsReadyToRun(string assembly)
    {
        using var reader = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(assembly));
        return reader.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }

    /// <summary>
    /// SSM's GetParameter (JSON 1.1 protocol, <c>X-Amz-Target: AmazonSSM.GetParameter</c>) for the given parameters,
    /// on 127.0.0.1; anything else is answered as SSM answers an unknown parameter.
    /// </summary>
    private sealed class ParameterStoreStandIn : IDisposable
    {
        private readonly IReadOnlyDictionary<string, string> _parameters;
        private readonly List<(string Name, bool WithDecryption)> _requests = [];
        private readonly LocalHttpServer _server;

        public string Url => _server.Url;

        public IReadOnlyList<(string Name, bool WithDecryption)> Requests
        {
            get { lock (_requests) { return [.. _requests]; } }
        }

        public ParameterStoreStandIn(IReadOnlyDictionary<string, string> parameters)
        {
            _parameters = parameters;
            _server = new LocalHttpServer(AnswerAsync);
        }

        private async Task AnswerAsync(HttpListenerContext context)
        {
            using var body = new StreamReader(context.Request.InputStream);
            var request = JsonNode.Parse(await body.ReadToEndAsync())!;
            var name = request["Name"]?.GetValue<string>() ?? "";
            var target = context.Request.Headers["X-Amz-Target"];
            string answer;
            if (target == "AmazonSSM.GetParameter" && _parameters.TryGetValue(name, out var value))
            {
                lock (_requests)
                {
                    _requests.Add((name, request["WithDecryption"]?.GetValue<bool>() == true));
                }
                answer = JsonSerializer.Serialize(new { Parameter = new { Name = name, Type = "SecureString", Value = value, Version = 1 } });
            }
            else
            {
                context.Response.StatusCode = 400;
                answer = JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = "ParameterNotFound", ["message"] = $"{target} {name}" });
            }
            context.Response.ContentType = "application/x-amz-json-1.1";
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(answer));
        }

        public void Dispose() => _server.Dispose();
    }
}
