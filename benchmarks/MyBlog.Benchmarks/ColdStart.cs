using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using MyBlog.Aws.Functions;
using MyBlog.Infrastructure;
using MyBlog.Tests.Support;

namespace MyBlog.Benchmarks;

/// <summary>
/// Each function's cold start, as Lambda runs it: the package's <c>bootstrap</c> started with the environment the
/// synthesized template gives that function, timed to the adapter's readiness check (<c>/health</c> answering 200:
/// what Lambda's init phase waits for) and to the answer to a first event (the first 200 a reader or an event
/// source sees). The AWS endpoints are one local stand-in (the tests' AwsStandIn: Parameter Store's secrets,
/// DynamoDB's empty answers, X-Ray's OTLP endpoint), so the time is the package's own. Several package folders (built differently) are
/// measured side by side: whole processes, the variants alternating run by run, each run pinned to one core
/// (Lambda gives a 1 GB function about 0.6 of one).
/// </summary>
public static class ColdStart
{
    private const string OriginSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// <summary>The functions, their package, and their first event (none: the first is a whole deploy).</summary>
    private static readonly (string Function, string Package, Func<HttpClient, Dictionary<string, string>, Task<HttpResponseMessage>>? First)[] Functions =
    [
        ("Api", "api", (http, _) => http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/posts")
        {
            Headers = { { "X-MyBlog-Origin", OriginSecret }, { "CloudFront-Viewer-Address", "203.0.113.7:443" } },
        })),
        ("WelcomeMail", "workers", Event("""{"Records": []}""")),
        ("WelcomeSweep", "workers", Event("""{}""")),
        ("Publish", "workers", Event("""{"Records": []}""")),
        ("SiteDeploy", "workers", null),
        ("Thumbnails", "workers", Event("""{"Records": []}""")),
    ];

    private static Func<HttpClient, Dictionary<string, string>, Task<HttpResponseMessage>> Event(string body) => (http, environment) =>
        http.PostAsync(environment["AWS_LWA_PASS_THROUGH_PATH"], new StringContent(body, Encoding.UTF8, "application/json"));

    /// <param name="variants">name=folder pairs: each folder holds the packages (api/, workers/) built one way.</param>
    public static async Task RunAsync(IReadOnlyList<string> variants, int runs)
    {
        var folders = variants.Select(v => v.Split('=', 2)).Select(p => (Name: p[0], Folder: Path.GetFullPath(p[1]))).ToList();
        var environments = Environments(folders[0].Folder);
        // Every secret the functions read: the SMTP credentials as their JSON object, the others a long random-looking string.
        using var aws = new AwsStandIn(environments.Values.SelectMany(e => e).Where(e => e.Key.StartsWith("Secrets__", StringComparison.Ordinal))
            .Select(e => e.Value).Distinct().ToDictionary(name => name, name => name.Contains("smtp", StringComparison.Ordinal)
                ? """{"UserName": "AKIAIOSFODNN7EXAMPLE", "Password": "BExampleSmtpPasswordDerivedFromTheSecretKey0"}"""
                : OriginSecret));

        Console.WriteLine("package sizes:");
        foreach (var (name, folder) in folders)
        {
            foreach (var package in new[] { "api", "workers" })
            {
                var files = new DirectoryInfo(Path.Combine(folder, package)).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
                Console.WriteLine($"  {name,-10} {package,-8} {files.Sum(f => f.Length) / 1e6,6:0.0} MB in {files.Count} files");
            }
        }

        var results = new Dictionary<(string Variant, string Function), List<(double Ready, double First, long PeakKb)>>();
        foreach (var run in Enumerable.Range(0, runs))
        {
            foreach (var (function, package, first) in Functions)
            {
                // Alternate which variant goes first, so neither always meets a warmer page cache.
                var order = run % 2 == 0 ? folders : Enumerable.Reverse(folders).ToList();
                foreach (var (name, folder) in order)
                {
                    var result = await MeasureAsync(Path.Combine(folder, package, "bootstrap"), environments[function], aws, first);
                    results.TryAdd((name, function), []);
                    results[(name, function)].Add(result);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"cold start, {runs} runs each, median (min–max), one core; ready = bootstrap → /health 200, first = bootstrap → first event's 200");
        foreach (var (function, _, first) in Functions)
        {
            foreach (var (name, _) in folders)
            {
                var measured = results[(name, function)];
                var ready = measured.Select(m => m.Ready).Order().ToList();
                var answered = measured.Select(m => m.First).Order().ToList();
                Console.WriteLine($"  {function,-13} {name,-10} ready {Median(ready),5:0} ms ({ready[0]:0}–{ready[^1]:0})"
                    + (first is null ? "                              " : $"   first {Median(answered),5:0} ms ({answered[0]:0}–{answered[^1]:0})")
                    + $"   peak RSS {measured.Max(m => m.PeakKb) / 1024.0,4:0} MB");
            }
            if (folders.Count > 1)
            {
                double Of(string variant, Func<(double Ready, double First, long PeakKb), double> pick) => Median(results[(variant, function)].Select(pick).Order().ToList());
                var column = first is null ? (Func<(double Ready, double First, long PeakKb), double>)(m => m.Ready) : m => m.First;
                Console.WriteLine($"  {function,-13} {folders[1].Name} / {folders[0].Name}: {Of(folders[1].Name, column) / Of(folders[0].Name, column):0.00}×"
                    + (first is null ? " (ready)" : " (first 200)"));
            }
        }
    }

    private static double Median(List<double> sorted) => sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static async Task<(double Ready, double First, long PeakKb)> MeasureAsync(string bootstrap, Dictionary<string, string> template,
        AwsStandIn aws, Func<HttpClient, Dictionary<string, string>, Task<HttpResponseMessage>>? first)
    {
        var port = LocalHttpServer.FreePort();
        var environment = new Dictionary<string, string>(template)
        {
            ["AWS_LWA_PORT"] = port.ToString(),
            ["AWS_REGION"] = "eu-west-1",
            ["AWS_ACCESS_KEY_ID"] = "ASIAEXAMPLEEXAMPLE00",
            ["AWS_SECRET_ACCESS_KEY"] = "example-secret-access-key",
            ["AWS_SESSION_TOKEN"] = "example-session-token",
            ["AWS_ENDPOINT_URL_SSM"] = aws.Url,
            ["AWS_ENDPOINT_URL_DYNAMODB"] = aws.Url,
            ["Telemetry__XRayEndpoint"] = aws.XRayEndpoint,
            ["PATH"] = "/usr/bin:/bin",
        };
        var start = new ProcessStartInfo("taskset", ["-c", "0", bootstrap])
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var output = new StringBuilder();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // As the adapter does: poll the readiness path until it answers 200.
            while (true)
            {
                if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException($"{bootstrap} never became ready:\n{output}");
                }
                try
                {
                    using var health = await http.GetAsync("/health");
                    if (health.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                await Task.Delay(2);
            }
            var ready = clock.Elapsed.TotalMilliseconds;
            var answered = ready;
            if (first is not null)
            {
                using var answer = await first(http, environment);
                answered = clock.Elapsed.TotalMilliseconds;
                if (answer.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{bootstrap}: first event answered {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}\n{output}");
                }
            }
            return (ready, answered, PeakKb(process.Id));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The app's peak resident memory (taskset execs bootstrap, which execs the app: the same process).</summary>
    private static long PeakKb(int pid) => PeakMemory.OfProcessKb(pid);

    /// <summary>
    /// Each function's environment from the synthesized template; what CloudFormation would fill in (names of the
    /// table, buckets, distribution) is a plausible stand-in value.
    /// </summary>
    private static Dictionary<string, Dictionary<string, string>> Environments(string packages)
    {
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        var app = new App(new AppProps
        {
            Outdir = Directory.CreateTempSubdirectory("myblog-cold-start-").FullName,
            Context = new Dictionary<string, object>
            {
                ["homeRegion"] = "eu-west-1",
                ["senderAddress"] = "hello@example.com",
                ["domainName"] = "blog.example.com",
                ["certificateArn"] = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
                ["packagesDirectory"] = packages,
            },
        });
        var stack = MyBlogApp.Build(app, RepositoryRoot.Find()).Home;
        var template = JsonNode.Parse(JsonSerializer.Serialize(Amazon.CDK.Assertions.Template.FromStack(stack).ToJSON()))!;
        var environments = new Dictionary<string, Dictionary<string, string>>();
        foreach (var (_, resource) in template["Resources"]!.AsObject())
        {
            if (resource!["Type"]!.GetValue<string>() != "AWS::Lambda::Function"
                || resource["Properties"]!["Description"]?.GetValue<string>() is not { } description
                || !description.StartsWith("MyBlog ", StringComparison.Ordinal))
            {
                continue;
            }
            var function = description.Split(' ')[1];
            environments[function] = resource["Properties"]!["Environment"]!["Variables"]!.AsObject().ToDictionary(
                v => v.Key,
                v => v.Value is JsonValue value ? value.GetValue<string>() : Deployed(v.Key));
        }
        return environments;
    }

    private static string Deployed(string key) => key switch
    {
        _ when key.EndsWith("DistributionId", StringComparison.Ordinal) => "E2QWRUHAPOMQZL",
        _ when key.EndsWith("SiteUrl", StringComparison.Ordinal) => "https://blog.example.com",
        _ => "myblog-deployed-name-1a2b3c4d5e6f",
    };
}
