using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyBlog.Core.Subscribers;
using MyBlog.Infrastructure;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Infrastructure;

/// <summary>
/// The real Lambda packages, built once with the documented command (<c>-- package</c>, i.e.
/// <see cref="LambdaPackages.BuildAsync"/>) into a temporary folder: about two and a half minutes on two cores.
/// </summary>
public sealed class BuiltPackages : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("myblog-lambda-").FullName;
    public StringWriter Log { get; } = new();
    public int ExitCode { get; private set; } = -1;

    public string Path(string package, params string[] parts) => System.IO.Path.Combine([Root, package, .. parts]);

    public async Task InitializeAsync()
    {
        // The API's native build links with clang: installed here as the browser tests install Chromium.
        await DebianPackage.EnsureAsync("/usr/bin/clang", "clang");
        ExitCode = await LambdaPackages.BuildAsync(RepositoryRoot.Find(), "linux-x64", Root, Log);
    }

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
        ["Buckets__Uploads"] = "myblog-bucketsuploads-1a2b3c4d5e6f",
        ["Buckets__Media"] = "myblog-bucketsmedia-1a2b3c4d5e6f",
        ["Buckets__Site"] = "myblog-bucketssite-1a2b3c4d5e6f",
        ["Publishing__DistributionId"] = "E2QWRUHAPOMQZL",
        ["Mail__ConfigurationSet"] = "MailEvents4B2F3E1A-1A2B3C4D5E6F",
        ["Newsletter__QueueUrl"] = "https://sqs.eu-west-1.amazonaws.com/123456789012/MyBlog-FunctionsNewsletterQueue-1A2B3C4D5E6F",
        ["Scheduling__TargetArn"] = "arn:aws:lambda:eu-west-1:123456789012:function:MyBlog-FunctionsPublishDue-1A2B3C4D5E6F",
        ["Scheduling__RoleArn"] = "arn:aws:iam::123456789012:role/MyBlog-FunctionsPublishDueScheduleRole-1A2B3C4D5E6F",
        ["Scheduling__DeadLetterArn"] = "arn:aws:sqs:eu-west-1:123456789012:MyBlog-FunctionsScheduleDeadLetters-1A2B3C4D5E6F",
    };

    private static readonly Dictionary<string, string> Parameters = new()
    {
        ["/myblog/setup-code"] = "an-setup-code-long-enough-to-pass-validation-0123456789",
        ["/myblog/origin-secret"] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ["/myblog/link-key"] = "a-link-key-long-enough-to-pass-validation-0123456789",
        ["/myblog/subscriber-id-key"] = "an-id-key-long-enough-to-pass-validation-0123456789",
    };

    [Fact]
    public void Each_package_is_a_self_contained_linux_build_with_an_executable_bootstrap()
    {
        Assert.True(packages.ExitCode == 0, packages.Log.ToString());
        foreach (var (package, _, assembly, native) in LambdaPackages.All)
        {
            var bootstrap = packages.Path(package, "bootstrap");
            var mode = File.GetUnixFileMode(bootstrap);
            Assert.True(mode.HasFlag(UnixFileMode.UserExecute) && mode.HasFlag(UnixFileMode.OtherExecute), $"{package}/bootstrap is {mode}");
            var script = File.ReadAllText(bootstrap);
            Assert.StartsWith("#!/bin/sh\n", script, StringComparison.Ordinal);
            Assert.DoesNotContain("\r", script, StringComparison.Ordinal);
            Assert.Contains($"exec ./{assembly} ", script, StringComparison.Ordinal);

            Assert.True(File.Exists(packages.Path(package, assembly)), $"{package} has no executable");
            Assert.Empty(Directory.GetFiles(packages.Path(package), "*.pdb").Concat(Directory.GetFiles(packages.Path(package), "*.dbg")));
            if (native)
            {
                // Native AOT: one ELF executable with the runtime compiled in; no JIT, no managed assemblies.
                Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(packages.Path(package, assembly))[..4]);
                Assert.False(File.Exists(packages.Path(package, "libcoreclr.so")), $"{package} carries a JIT runtime");
                Assert.Empty(Directory.GetFiles(packages.Path(package), "*.dll"));
                continue;
            }

            // Self-contained: the runtime travels with the app (provided.al2023 has no .NET), native linux-x64 host.
            var runtimeConfig = JsonNode.Parse(File.ReadAllText(packages.Path(package, $"{assembly}.runtimeconfig.json")))!;
            Assert.NotNull(runtimeConfig["runtimeOptions"]!["includedFrameworks"]);
            // provided.al2023 has no ICU; without invariant mode the runtime would stop at start there.
            Assert.True(runtimeConfig["runtimeOptions"]!["configProperties"]!["System.Globalization.Invariant"]!.GetValue<bool>());
            Assert.True(File.Exists(packages.Path(package, "libcoreclr.so")), $"{package} has no runtime");
            // ReadyToRun: precompiled code in the app's own assembly (its PE header carries a managed native header).
            Assert.True(IsReadyToRun(packages.Path(package, $"{assembly}.dll")), $"{assembly}.dll is not ReadyToRun");
        }
    }

    [Theory]
    [InlineData("Api", "api")]
    [InlineData("WelcomeMail", "workers")]
    [InlineData("Thumbnails", "workers")]
    [InlineData("NewsletterPlan", "workers")]
    [InlineData("NewsletterSend", "workers")]
    [InlineData("MailFeedback", "workers")]
    public async Task The_bootstrap_starts_the_function_on_the_adapter_port_with_the_template_environment(string function, string package)
    {
        await using var app = await RunningFunction.StartAsync(stack, packages, function, package);
        var (http, environment) = (app.Http, app.Environment);
        Assert.Contains($"Now listening on: http://127.0.0.1:{environment["AWS_LWA_PORT"]}", app.Output, StringComparison.Ordinal);

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
            var mapped = await File.ReadAllTextAsync($"/proc/{app.Process.Id}/maps");
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
        while (DateTime.UtcNow < deadline && !app.Aws.Spans.Any(x => Contains(x.Body, "/api/posts")))
        {
            await Task.Delay(100);
        }
        var export = app.Aws.Spans.First(x => Contains(x.Body, "/api/posts"));
        Assert.Equal("application/x-protobuf", export.ContentType);
        Assert.Matches(@"^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE00/\d{8}/eu-west-1/xray/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$", export.Authorization);
        Assert.Contains(environment["OTEL_SERVICE_NAME"], Encoding.UTF8.GetString(export.Body), StringComparison.Ordinal);

        // Every Secrets__* name was read, decrypted, once; nothing else in Parameter Store.
        var secrets = environment.Where(e => e.Key.StartsWith("Secrets__", StringComparison.Ordinal)).Select(e => e.Value).Order();
        Assert.Equal(secrets, app.Aws.ParameterRequests.Select(r => r.Name).Order());
        Assert.All(app.Aws.ParameterRequests, r => Assert.True(r.WithDecryption));
    }

    /// <summary>
    /// The native API has no reflection-based JSON, binding or validation: whatever the JIT build (which every other
    /// test runs) does by reflection would fail here at run time. So each kind of answer goes through the package
    /// once: reading and writing each body type, problems, validation problems, the rate limit, the OpenAPI
    /// document and its reference page, and the origin secret.
    /// </summary>
    [Fact]
    public async Task The_native_API_reads_and_writes_every_kind_of_body_it_has()
    {
        await using var app = await RunningFunction.StartAsync(stack, packages, "Api", "api");
        var http = app.Http;
        var secret = Parameters["/myblog/origin-secret"];
        var setupCode = Parameters["/myblog/setup-code"];
        // A person on the staff and their API key, as the table would hold them (the stand-in's GetItem finds these).
        var (staffId, keyId, keySecret) = (MyBlog.Core.Staff.StaffSecrets.NewId(), MyBlog.Core.Staff.StaffSecrets.NewId(), MyBlog.Core.Staff.StaffSecrets.NewSecret());
        app.Aws.Items[$"STAFF|MEMBER#{staffId}"] =
            $$$"""{"pk": {"S": "STAFF"}, "sk": {"S": "MEMBER#{{{staffId}}}"}, "id": {"S": "{{{staffId}}}"}, "email": {"S": "ada@example.com"}, "name": {"S": "Ada"}, "role": {"S": "owner"}, "createdAt": {"S": "2026-01-01T00:00:00.0000000+00:00"}}""";
        app.Aws.Items[$"STAFF#{staffId}|APIKEY#{keyId}"] =
            $$$"""{"pk": {"S": "STAFF#{{{staffId}}}"}, "sk": {"S": "APIKEY#{{{keyId}}}"}, "name": {"S": "tests"}, "secretHash": {"S": "{{{MyBlog.Core.Staff.StaffSecrets.Hash(keySecret)}}}"}, "createdAt": {"S": "2026-01-01T00:00:00.0000000+00:00"}}""";
        var token = $"myblog_{staffId}.{keyId}.{keySecret}";

        async Task<(HttpStatusCode Status, string? Type, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? json = null, bool admin = false,
            string viewer = "203.0.113.7", string? ifMatch = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (ifMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            }
            request.Headers.Add("X-MyBlog-Origin", secret);
            request.Headers.Add("CloudFront-Viewer-Address", $"{viewer}:443");
            if (admin)
            {
                request.Headers.Authorization = new("Bearer", token);
            }
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var type = response.Content.Headers.ContentType?.MediaType;
            return (response.StatusCode, type, type?.EndsWith("json", StringComparison.Ordinal) == true && text.Length > 0 ? JsonNode.Parse(text) : null);
        }

        var list = await SendAsync(HttpMethod.Get, "/api/posts?limit=5");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal("""{"items":[],"nextCursor":null}""", list.Body!.ToJsonString());

        var cursor = await SendAsync(HttpMethod.Get, "/api/posts?cursor=bm90LW91cnM");
        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (cursor.Status, cursor.Type));
        Assert.Equal("Invalid cursor", cursor.Body!["title"]!.GetValue<string>());

        var missing = await SendAsync(HttpMethod.Get, "/api/posts/no-such-post");
        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json"), (missing.Status, missing.Type));

        // The native binary hands out and checks the subscribe form's proof of work, at the production difficulty.
        var challenge = await SendAsync(HttpMethod.Get, "/api/subscribers/challenge");
        Assert.Equal(HttpStatusCode.OK, challenge.Status);
        var ticket = new ChallengeTicket(challenge.Body!["challenge"]!.GetValue<string>(), challenge.Body["difficulty"]!.GetValue<int>(), DateTimeOffset.MaxValue);
        Assert.Equal(new SubscribeChallengeOptions().Difficulty, ticket.Difficulty);
        var unproven = await SendAsync(HttpMethod.Post, "/api/subscribers", """{"email": "ada@example.com", "name": "Ada"}""", viewer: "203.0.113.7");
        Assert.Equal(HttpStatusCode.BadRequest, unproven.Status);
        Assert.NotNull(unproven.Body!["errors"]!["challenge"]);
        var subscribed = await SendAsync(HttpMethod.Post, "/api/subscribers",
            $$"""{"email": "ada@example.com", "name": "Ada", "challenge": "{{ticket.Challenge}}", "nonce": "{{SubscribeChallenge.Solve(ticket, "ada@example.com")}}"}""");
        Assert.Equal(HttpStatusCode.Accepted, subscribed.Status);
        Assert.StartsWith("Thanks!", subscribed.Body!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("TransactWriteItems", app.Aws.DynamoDbOperations); // the subscriber and its mailbox's turn, together

        var invalid = await SendAsync(HttpMethod.Post, "/api/subscribers", """{"email": "not an address"}""", viewer: "203.0.113.8");
        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (invalid.Status, invalid.Type));
        Assert.NotNull(invalid.Body!["errors"]!["email"]);

        var malformed = await SendAsync(HttpMethod.Post, "/api/subscribers", """{"email": """, viewer: "203.0.113.8");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
        Assert.Equal("Malformed JSON", malformed.Body!["title"]!.GetValue<string>());

        var limited = HttpStatusCode.OK;
        for (var i = 0; i < 6 && limited != HttpStatusCode.TooManyRequests; i++)
        {
            limited = (await SendAsync(HttpMethod.Post, "/api/subscribers", """{"email": "bob@example.com"}""", viewer: "203.0.113.9")).Status;
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, limited);

        var created = await SendAsync(HttpMethod.Post, "/api/admin/posts", """{"title": "Hello, world", "markdown": "# Hi\n\nThere.", "tags": ["news"]}""", admin: true);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("hello-world", created.Body!["slug"]!.GetValue<string>());
        Assert.Equal("news", created.Body["tags"]![0]!.GetValue<string>());

        var notCreated = await SendAsync(HttpMethod.Post, "/api/admin/posts", """{"title": ""}""", admin: true);
        Assert.Equal(HttpStatusCode.BadRequest, notCreated.Status);
        Assert.NotNull(notCreated.Body!["errors"]);

        var drafts = await SendAsync(HttpMethod.Get, "/api/admin/posts?status=draft", admin: true);
        Assert.Equal(HttpStatusCode.OK, drafts.Status);
        Assert.Empty(drafts.Body!["items"]!.AsArray());

        var preview = await SendAsync(HttpMethod.Post, "/api/admin/preview", """{"markdown": "# Hi"}""", admin: true);
        Assert.Equal(HttpStatusCode.OK, preview.Status);
        Assert.Contains("<h1", preview.Body!["html"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, preview.Body["readingMinutes"]!.GetValue<int>());

        var upload = await SendAsync(HttpMethod.Post, "/api/admin/photos", """{"fileName": "beach.jpg", "contentType": "image/jpeg", "size": 2400000}""", admin: true);
        Assert.True(upload.Status == HttpStatusCode.Created, $"{upload.Status}: {upload.Body}\n{app.Output}");
        Assert.Equal("PUT", upload.Body!["method"]!.GetValue<string>());
        Assert.Equal("image/jpeg", upload.Body["headers"]!["Content-Type"]!.GetValue<string>());

        // An archive's upload, and the import the stand-in has never heard of.
        var import = await SendAsync(HttpMethod.Post, "/api/admin/imports", """{"fileName": "blog.zip", "contentType": "application/zip", "size": 4200000}""", admin: true);
        Assert.True(import.Status == HttpStatusCode.Created, $"{import.Status}: {import.Body}\n{app.Output}");
        Assert.Matches("^[0-9a-f]{32}$", import.Body!["importId"]!.GetValue<string>());
        Assert.Contains("/imports/", import.Body["uploadUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        var unknownImport = await SendAsync(HttpMethod.Get, $"/api/admin/imports/{import.Body["importId"]!.GetValue<string>()}", admin: true);
        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json"), (unknownImport.Status, unknownImport.Type));

        // A schedule's body: a time without its offset is the author's mistake; a good one reaches the (empty) table.
        var noOffset = await SendAsync(HttpMethod.Post, "/api/admin/posts/hello-world/publish", """{"at": "2030-01-01T09:00:00"}""", admin: true, ifMatch: "\"v1\"");
        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (noOffset.Status, noOffset.Type));
        Assert.NotNull(noOffset.Body!["errors"]!["at"]);
        var at = DateTimeOffset.UtcNow.AddDays(30).ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);
        var scheduled = await SendAsync(HttpMethod.Post, "/api/admin/posts/hello-world/publish", $$"""{"at": "{{at}}", "sendEmail": false}""", admin: true, ifMatch: "\"v1\"");
        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json"), (scheduled.Status, scheduled.Type));

        var unauthorized = await SendAsync(HttpMethod.Get, "/api/admin/posts");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.Status);
        var me = await SendAsync(HttpMethod.Get, "/api/admin/account", admin: true);
        Assert.Equal("owner", me.Body!["role"]!.GetValue<string>());

        // Signing in: the state, the setup (the stand-in finds no owner yet), a link asked for, a passkey's challenge.
        var state = await SendAsync(HttpMethod.Get, "/api/auth/session");
        Assert.False(state.Body!["signedIn"]!.GetValue<bool>());
        var wrongCode = await SendAsync(HttpMethod.Post, "/api/auth/setup", """{"setupCode": "not-the-code-at-all", "email": "ada@example.com", "name": "Ada"}""", viewer: "203.0.113.20");
        Assert.Equal((HttpStatusCode.Unauthorized, "application/problem+json"), (wrongCode.Status, wrongCode.Type));
        var setUp = await SendAsync(HttpMethod.Post, "/api/auth/setup", $$"""{"setupCode": "{{setupCode}}", "email": "ada@example.com", "name": "Ada"}""", viewer: "203.0.113.20");
        Assert.Equal(HttpStatusCode.Created, setUp.Status);
        Assert.Equal("owner", setUp.Body!["staff"]!["role"]!.GetValue<string>());
        var link = await SendAsync(HttpMethod.Post, "/api/auth/email-link", """{"email": "ada@example.com"}""", viewer: "203.0.113.20");
        Assert.Equal(HttpStatusCode.Accepted, link.Status);
        var passkey = await SendAsync(HttpMethod.Post, "/api/auth/passkey/options", viewer: "203.0.113.20");
        Assert.Equal(HttpStatusCode.OK, passkey.Status);
        Assert.Equal("required", passkey.Body!["options"]!["userVerification"]!.GetValue<string>());
        Assert.Matches("^[A-Za-z0-9_-]{16,}$", passkey.Body["options"]!["challenge"]!.GetValue<string>());
        var forged = await SendAsync(HttpMethod.Post, "/api/auth/passkey", $$$"""{"challengeId": "{{{new string('a', 32)}}}", "credential": {"id": "x"}}""", viewer: "203.0.113.20");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.Status);
        var newKey = await SendAsync(HttpMethod.Post, "/api/admin/account/keys", """{"name": "deploy script"}""", admin: true);
        Assert.Equal(HttpStatusCode.Created, newKey.Status);
        Assert.StartsWith($"myblog_{staffId}.", newKey.Body!["key"]!.GetValue<string>(), StringComparison.Ordinal);
        var registration = await SendAsync(HttpMethod.Post, "/api/admin/account/passkeys/options", admin: true);
        Assert.Equal(HttpStatusCode.OK, registration.Status);
        Assert.Equal("ada@example.com", registration.Body!["options"]!["user"]!["name"]!.GetValue<string>());

        var document = await SendAsync(HttpMethod.Get, "/api/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, document.Status);
        Assert.NotNull(document.Body!["paths"]!["/api/subscribers"]);
        var reference = await SendAsync(HttpMethod.Get, "/api/reference/index.html");
        Assert.Equal(HttpStatusCode.OK, reference.Status);

        // Without CloudFront's secret: refused, as problem+json.
        using var direct = await http.GetAsync("/api/posts");
        Assert.Equal(HttpStatusCode.Forbidden, direct.StatusCode);
        Assert.Equal("application/problem+json", direct.Content.Headers.ContentType?.MediaType);

        Assert.DoesNotContain("Exception", app.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A function's package started as Lambda starts it: its bootstrap, the environment the template gives the
    /// function (with what CloudFormation fills in), Lambda's own variables, and the AWS stand-in as every endpoint.
    /// </summary>
    private sealed class RunningFunction : IAsyncDisposable
    {
        private readonly StringBuilder _output;

        public required Process Process { get; init; }
        public required HttpClient Http { get; init; }
        public required Dictionary<string, string> Environment { get; init; }
        public required AwsStandIn Aws { get; init; }

        public string Output
        {
            get { lock (_output) { return _output.ToString(); } }
        }

        private RunningFunction(StringBuilder output) => _output = output;

        public static async Task<RunningFunction> StartAsync(SynthesizedStack stack, BuiltPackages packages, string function, string package)
        {
            Assert.True(packages.ExitCode == 0, packages.Log.ToString());
            var variables = stack.Function(function).Properties["Environment"]!["Variables"]!.AsObject();
            var environment = variables.ToDictionary(v => v.Key, v => v.Value is JsonValue value
                ? value.GetValue<string>()
                : Deployed.GetValueOrDefault(v.Key) ?? throw new Xunit.Sdk.XunitException($"No deployed value for {v.Key} = {v.Value!.ToJsonString()}"));
            var aws = new AwsStandIn(Parameters);
            var port = LocalHttpServer.FreePort();
            // Lambda's own variables, and the adapter's port: the template's 8080 may be taken on a developer's machine.
            environment["AWS_LWA_PORT"] = port.ToString();
            environment["AWS_REGION"] = "eu-west-1";
            environment["AWS_ACCESS_KEY_ID"] = "ASIAEXAMPLEEXAMPLE00";
            environment["AWS_SECRET_ACCESS_KEY"] = "example-secret-access-key";
            environment["AWS_SESSION_TOKEN"] = "example-session-token";
            // Per service (the SDK reads AWS_ENDPOINT_URL_<SERVICE>): S3 stays AWS's own, as its accelerate endpoint must.
            environment["AWS_ENDPOINT_URL_SSM"] = aws.Url;
            environment["AWS_ENDPOINT_URL_DYNAMODB"] = aws.Url;
            environment["Telemetry__XRayEndpoint"] = aws.XRayEndpoint;
            environment["PATH"] = "/usr/bin:/bin";

            var process = Start(packages.Path(package, "bootstrap"), environment, out var output);
            var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            var running = new RunningFunction(output) { Process = process, Http = http, Environment = environment, Aws = aws };
            try
            {
                await WaitHealthyAsync(http, process, output);
                return running;
            }
            catch
            {
                await running.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
            Process.Dispose();
            Http.Dispose();
            Aws.Dispose();
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
}
