using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using MyBlog.Core;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The whole local topology (emulators, LocalAws, Api, Workers, edge) booted once from the real AppHost and shared
/// by every integration test. Tests use unique addresses so they never see each other's mail.
/// </summary>
public sealed partial class TestTopology : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ThumbnailsVisibilityTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The welcome settings of the test topology: the production rules at a test's pace. Claims last 12 s (the
    /// SMTP steps time out after 1.5 s, a whole send after 5 s), retries wait 0.5–3 s, the sweep runs every 2 s,
    /// the stream gives a welcome record 2 retries before its on-failure destination, and one address may be
    /// welcomed again after 5 s instead of 10 minutes.
    /// </summary>
    public static readonly TimeSpan WelcomeLease = TimeSpan.FromSeconds(12);
    public static readonly TimeSpan ResendInterval = TimeSpan.FromSeconds(5);

    /// <summary>The edge's proof to the API in the test topology (the AppHost makes one per run; a test needs to know it).</summary>
    public const string OriginSecret = "test-origin-secret-0123456789abcdef";
    public const string PreviousOriginSecret = "test-origin-secret-before-rotation-0123";
    public const int WelcomeStreamRetries = 2;
    public const int ImportPace = 10;

    private DistributedApplication? _app;
    private IPEndPoint? _ses;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started");
    public HttpClient Site { get; private set; } = null!;
    public HttpClient Workers { get; private set; } = null!;
    public HttpClient LocalAws { get; private set; } = null!;
    public MailSink Mail { get; private set; } = null!;

    /// <summary>Between the workers and SES's API (LocalAws's), passing everything until a test makes it fail.</summary>
    public TcpFaultProxy SesProxy { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MyBlog_AppHost>(cts.Token);
        // Messages the thumbnail worker fails come back after 2 s instead of 6 minutes, so the dead-letter path is testable.
        var localAws = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "localaws");
        builder.CreateResourceBuilder(localAws)
            .WithEnvironment($"LocalAws__Queues__thumbnails__VisibilityTimeout", ThumbnailsVisibilityTimeout.ToString())
            .WithEnvironment("LocalAws__Schedules__welcome-sweep__Interval", "00:00:02")
            .WithEnvironment("LocalAws__Streams__welcome-mail__MaximumRetryAttempts", WelcomeStreamRetries.ToString(CultureInfo.InvariantCulture));

        SesProxy = new TcpFaultProxy(() => _ses);
        var workers = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "workers");
        builder.CreateResourceBuilder(workers)
            .WithEnvironment("Mail__ServiceUrl", "http://127.0.0.1:" + SesProxy.Port.ToString(CultureInfo.InvariantCulture) + "/")
            .WithEnvironment("Mail__Timeout", "00:00:04")
            .WithEnvironment("Mail__SendTimeout", "00:00:05")
            .WithEnvironment("Mail__BatchBudget", "00:00:10")
            .WithEnvironment("Welcome__Lease", WelcomeLease.ToString())
            .WithEnvironment("Welcome__RetryBackoff", "00:00:00.500")
            .WithEnvironment("Welcome__MaxRetryBackoff", "00:00:03")
            // A test signs a person in by link soon after their invitation: one email a second, not a minute.
            .WithEnvironment("StaffMail__Spacing", "00:00:01")
            // CloudFormation's response URL is a listener of the test's own (SiteDeploymentTests).
            .WithEnvironment("Publishing__AllowLocalResponseUrls", "true");
        var api = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "api");
        builder.CreateResourceBuilder(api)
            .WithEnvironment("Welcome__ResendInterval", ResendInterval.ToString())
            .WithEnvironment("Subscribers__Challenge__Difficulty", ChallengeDifficulty.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("Edge__OriginSecret", OriginSecret)
            // As the stack sets it after a rotation: the secret before is still accepted.
            .WithEnvironment("Edge__PreviousOriginSecret", PreviousOriginSecret)
            // As on AWS, where the API is CloudFront's fallback for site pages its bucket could not answer (SiteFallback).
            .WithEnvironment("SiteFallback__Enabled", "true");
        var web = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "web");
        builder.CreateResourceBuilder(web).WithEnvironment("Edge__OriginSecret", OriginSecret);
        _app = await builder.BuildAsync(cts.Token);
        await _app.StartAsync(cts.Token);
        foreach (var resource in new[] { "dynamodb", "s3", "smtp4dev", "localaws", "workers", "api", "web" })
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        }
        var ses = _app.GetEndpoint("localaws", "http");
        _ses = new IPEndPoint(IPAddress.Loopback, ses.Port);
        Site = _app.CreateHttpClient("web");
        Workers = _app.CreateHttpClient("workers");
        LocalAws = _app.CreateHttpClient("localaws");
        Mail = new MailSink(_app.CreateHttpClient("smtp4dev"));
        AdminToken = await StaffSignIn.OwnerKeyAsync(Site.BaseAddress!, null);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (SesProxy is not null)
        {
            await SesProxy.DisposeAsync();
        }
    }

    public IAmazonDynamoDB DynamoDb() => new AmazonDynamoDBClient(
        new BasicAWSCredentials("S3RVER", "S3RVER"),
        new AmazonDynamoDBConfig { ServiceURL = App.GetEndpoint("dynamodb", "http").ToString(), AuthenticationRegion = "us-east-1" });

    /// <summary>An S3 client with SDK defaults (checksums, aws-chunked uploads) but for the emulator's address.</summary>
    public IAmazonS3 S3() => new AmazonS3Client(
        new BasicAWSCredentials("S3RVER", "S3RVER"),
        new AmazonS3Config { ServiceURL = App.GetEndpoint("s3", "http").ToString(), AuthenticationRegion = "us-east-1", ForcePathStyle = true });

    public Task StopAsync(string resource) =>
        App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand);

    public async Task StartAsync(string resource)
    {
        await App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
    }

    /// <summary>The AppHost's local subscriber keys (MyBlog.AppHost/appsettings.json), as the API and the workers have them.</summary>
    public static readonly SubscriberLinkOptions Links = new() { LinkKey = "local-link-key-change-me-0123456789abcdef" };

    public static readonly SubscriberIds Ids = new(Microsoft.Extensions.Options.Options.Create(
        new SubscriberIdOptions { IdKey = "local-id-key-never-change-0123456789abcdef" }));

    /// <summary>The store on the topology's table, as the API and the workers use it.</summary>
    public SubscriberStore Subscribers() => new(DynamoDb(), Ids, Microsoft.Extensions.Options.Options.Create(new MyBlogOptions()),
        Microsoft.Extensions.Options.Options.Create(new WelcomeOptions()), TimeProvider.System);

    public static string SubscriberId(string address)
    {
        EmailAddress.TryParse(address, out var email, out _);
        return Ids.IdFor(email!);
    }

    /// <summary>The confirm link in a welcome email's text.</summary>
    public static Uri ConfirmLinkIn(string text) => new(ConfirmLink().Match(text).Value);

    [GeneratedRegex(@"http://localhost:8080/api/subscribers/[0-9a-f]{32}/confirm\?token=[A-Za-z0-9_%-]+")]
    private static partial Regex ConfirmLink();

    /// <summary>A unique address for one test, so parallel and repeated tests never share mail.</summary>
    public static string NewAddress(string label) => $"{label}-{Guid.NewGuid():N}@example.com";

    private readonly ConcurrentDictionary<string, HttpClient> _readers = new();

    /// <summary>
    /// The site as one reader at a loopback address of its own (any 127.x.y.z reaches the edge): the edge tells the
    /// API the address it was connected from, as CloudFront does, so each address is a reader of its own for the
    /// per-reader limits — and nothing a request says (X-Forwarded-For, say) can make it another.
    /// </summary>
    public HttpClient Reader(string address) => _readers.GetOrAdd(address, a => ReaderOf(Site.BaseAddress!, a));

    /// <summary>A client of <paramref name="site"/> connecting from the loopback address <paramref name="a"/>.</summary>
    public static HttpClient ReaderOf(Uri site, string a, bool useCookies = true) => new(new SocketsHttpHandler
    {
        UseCookies = useCookies,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(a), 0));
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = site };

    /// <summary>
    /// Posts a subscription as a reader of its own (a random loopback address unless one is given), with the proof of
    /// work the form's script makes (a body that names its own challenge is sent as it is).
    /// </summary>
    public async Task<HttpResponseMessage> SubscribeAsync(object body, string? clientIp = null)
    {
        var reader = Reader(clientIp ?? RandomClientIp());
        return await reader.PostAsync("/api/subscribers", JsonContent.Create(await WithProofAsync(reader, body)));
    }

    /// <summary>The body with a solved challenge for its email, as the subscribe form sends it.</summary>
    public static async Task<System.Text.Json.Nodes.JsonObject> WithProofAsync(HttpClient site, object body)
    {
        var json = JsonSerializer.SerializeToNode(body)!.AsObject();
        if (json["email"] is System.Text.Json.Nodes.JsonValue email && email.TryGetValue<string>(out var address) && !json.ContainsKey("challenge"))
        {
            var challenge = (await site.GetFromJsonAsync<ChallengeTicket>("/api/subscribers/challenge"))!;
            json["challenge"] = challenge.Challenge;
            json["nonce"] = SubscribeChallenge.Solve(challenge, address);
        }
        return json;
    }

    /// <summary>The subscribe proof's difficulty in the test topology: the real check, at a test's pace.</summary>
    public const int ChallengeDifficulty = 10;

    /// <summary>A loopback address for one reader.</summary>
    public static string RandomClientIp() => $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";

    /// <summary>
    /// The owner's API key in the topology running now, made through the one-time setup when it started (see
    /// <see cref="StaffSignIn.OwnerKeyAsync"/>). One topology runs at a time: the others' collections run alone.
    /// </summary>
    public static string AdminToken { get; set; } = "";

    /// <summary>A request to the admin API (send it with <see cref="Reader"/> to make it come from a reader of its own).</summary>
    public static HttpRequestMessage AdminRequest(
        HttpMethod method, string path, object? body = null, string? ifMatch = null, string? token = "")
    {
        token = token == "" ? AdminToken : token;
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return request;
    }

    /// <summary>Sends an admin request that must succeed; returns its JSON body (default for an empty one).</summary>
    public Task<JsonElement> AdminAsync(HttpMethod method, string path, object? body = null, string? ifMatch = null) =>
        AdminAsync(Site, method, path, body, ifMatch);

    /// <summary>The same through <paramref name="site"/> (a topology of a test's own).</summary>
    public static async Task<JsonElement> AdminAsync(HttpClient site, HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        using var request = AdminRequest(method, path, body, ifMatch);
        using var response = await site.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement;
    }

    /// <summary>
    /// What the browser does with an upload ticket (a photo's, an archive's): PUT the bytes straight to storage with
    /// the ticket's headers. Returns the storage's status. It asks "Expect: 100-continue", as the AWS SDKs do, so a
    /// refusal is heard before the body is sent: storage that refuses a PUT and hangs up mid-body would otherwise
    /// race the client's write and surface as a broken pipe instead of the 403.
    /// </summary>
    public static async Task<HttpStatusCode> PutUploadAsync(JsonElement ticket, byte[] bytes)
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, ticket.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(bytes) };
        put.Headers.ExpectContinue = true;
        foreach (var header in ticket.GetProperty("headers").EnumerateObject())
        {
            if (!put.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString()))
            {
                put.Content.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
            }
        }
        using var storage = new HttpClient();
        using var response = await storage.SendAsync(put);
        return response.StatusCode;
    }

    /// <summary>
    /// Polls <paramref name="site"/> until <paramref name="path"/> answers what <paramref name="condition"/> wants,
    /// or <paramref name="timeout"/> has passed; returns the last answer (images' bodies are not read).
    /// </summary>
    public static async Task<(HttpStatusCode Status, string Body, string? Type)> EventuallyAsync(
        HttpClient site, string path, Func<HttpStatusCode, string, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await site.GetAsync(path);
            var type = response.Content.Headers.ContentType?.MediaType;
            var body = type?.StartsWith("image/", StringComparison.Ordinal) == true ? "" : await response.Content.ReadAsStringAsync();
            if (condition(response.StatusCode, body) || DateTime.UtcNow > deadline)
            {
                return (response.StatusCode, body, type);
            }
            await Task.Delay(250);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TestTopologyCollection : ICollectionFixture<TestTopology>
{
    public const string Name = "MyBlog topology";
}

/// <summary>smtp4dev's REST API, as a test reads it.</summary>
public sealed class MailSink(HttpClient http)
{
    public sealed record Message(string Id, string[] To, string Subject);

    public async Task<IReadOnlyList<Message>> ToAsync(string address)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/Messages?pageSize=5000"));
        return doc.RootElement.GetProperty("results").EnumerateArray()
            .Select(m => new Message(
                m.GetProperty("id").GetString()!,
                m.GetProperty("to").EnumerateArray().Select(t => t.GetString()!).ToArray(),
                m.GetProperty("subject").GetString()!))
            .Where(m => m.To.Contains(address, StringComparer.OrdinalIgnoreCase))
            .ToList();
    }

    /// <summary>Waits until a message to the address arrives; returns it.</summary>
    public async Task<Message> WaitForAsync(string address, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            var messages = await ToAsync(address);
            if (messages.Count > 0)
            {
                return messages[0];
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"No mail to {address} within the timeout");
    }

    /// <summary>How many messages each of <paramref name="addresses"/> has (zero included), in one read of the sink.</summary>
    public async Task<Dictionary<string, int>> CountsAsync(IEnumerable<string> addresses)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/Messages?pageSize=5000"));
        var counts = addresses.ToDictionary(a => a, _ => 0, StringComparer.OrdinalIgnoreCase);
        foreach (var to in doc.RootElement.GetProperty("results").EnumerateArray().SelectMany(m => m.GetProperty("to").EnumerateArray()))
        {
            if (counts.ContainsKey(to.GetString()!))
            {
                counts[to.GetString()!]++;
            }
        }
        return counts;
    }

    /// <summary>Waits until every address has at least one message (or the timeout); returns the counts.</summary>
    public async Task<Dictionary<string, int>> WaitForAllAsync(IReadOnlyCollection<string> addresses, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var counts = await CountsAsync(addresses);
            if (counts.Values.All(c => c > 0) || DateTime.UtcNow > deadline)
            {
                return counts;
            }
            await Task.Delay(500);
        }
    }

    /// <summary>How many messages with <paramref name="subject"/> each of <paramref name="addresses"/> has (zero included), in one read.</summary>
    public async Task<Dictionary<string, int>> SubjectCountsAsync(string subject, IEnumerable<string> addresses)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/Messages?pageSize=5000"));
        var counts = addresses.ToDictionary(a => a, _ => 0, StringComparer.OrdinalIgnoreCase);
        foreach (var message in doc.RootElement.GetProperty("results").EnumerateArray().Where(m => m.GetProperty("subject").GetString() == subject))
        {
            foreach (var to in message.GetProperty("to").EnumerateArray().Select(t => t.GetString()!).Where(counts.ContainsKey))
            {
                counts[to]++;
            }
        }
        return counts;
    }

    /// <summary>Waits until every address has a message with <paramref name="subject"/> (or the timeout); returns the counts.</summary>
    public async Task<Dictionary<string, int>> WaitForSubjectAsync(string subject, IReadOnlyCollection<string> addresses, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var counts = await SubjectCountsAsync(subject, addresses);
            if (counts.Values.All(c => c > 0) || DateTime.UtcNow > deadline)
            {
                return counts;
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The sign-in link (<c>…/admin/#sign-in=…</c>) in the first message to <paramref name="address"/> whose subject starts so.</summary>
    public async Task<string> SignInLinkAsync(string address, string subjectStart) => (await SignInLinksAsync(address, subjectStart, 1))[0];

    /// <summary>The sign-in links of the messages to <paramref name="address"/> whose subject starts so, once there are <paramref name="count"/> of them.</summary>
    public async Task<IReadOnlyList<string>> SignInLinksAsync(string address, string subjectStart, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var messages = (await ToAsync(address)).Where(m => m.Subject.StartsWith(subjectStart, StringComparison.Ordinal)).ToList();
            if (messages.Count >= count)
            {
                var links = new List<string>();
                foreach (var message in messages.Take(count))
                {
                    links.Add(Regex.Match(await PlainTextAsync(message.Id), @"http://localhost:8080/admin/#sign-in=[A-Za-z0-9._%-]+").Value);
                }
                return links;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{messages.Count} of {count} '{subjectStart}' emails reached {address}");
            await Task.Delay(250);
        }
    }

    public Task<string> RawAsync(string id) => http.GetStringAsync($"/api/Messages/{id}/raw");

    public Task<string> PlainTextAsync(string id) => http.GetStringAsync($"/api/Messages/{id}/plaintext");

    public Task<string> HtmlAsync(string id) => http.GetStringAsync($"/api/Messages/{id}/html");
}
