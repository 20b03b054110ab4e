using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The whole local topology (emulators, LocalAws, Api, Workers, edge) booted once from the real AppHost and shared
/// by every integration test. Tests use unique addresses so they never see each other's mail.
/// </summary>
public sealed class MyBlogApp : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ThumbnailsVisibilityTimeout = TimeSpan.FromSeconds(2);
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started");
    public HttpClient Site { get; private set; } = null!;
    public HttpClient Workers { get; private set; } = null!;
    public HttpClient LocalAws { get; private set; } = null!;
    public MailSink Mail { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MyBlog_AppHost>(cts.Token);
        // Messages the thumbnail worker fails come back after 2 s instead of 6 minutes, so the dead-letter path is testable.
        var localAws = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "localaws");
        builder.CreateResourceBuilder(localAws).WithEnvironment($"LocalAws__Queues__thumbnails__VisibilityTimeout", ThumbnailsVisibilityTimeout.ToString());
        _app = await builder.BuildAsync(cts.Token);
        await _app.StartAsync(cts.Token);
        foreach (var resource in new[] { "dynamodb", "s3", "smtp4dev", "localaws", "workers", "api", "web" })
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        }
        Site = _app.CreateHttpClient("web");
        Workers = _app.CreateHttpClient("workers");
        LocalAws = _app.CreateHttpClient("localaws");
        Mail = new MailSink(_app.CreateHttpClient("smtp4dev"));
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
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

    /// <summary>A unique address for one test, so parallel and repeated tests never share mail.</summary>
    public static string NewAddress(string label) => $"{label}-{Guid.NewGuid():N}@example.com";

    /// <summary>
    /// Posts a subscription as a distinct client: the API trusts X-Forwarded-For from the loopback edge, so each
    /// test gets its own rate-limit bucket, exactly as distinct readers do.
    /// </summary>
    public async Task<HttpResponseMessage> SubscribeAsync(object body, string? clientIp = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", clientIp ?? RandomClientIp());
        return await Site.SendAsync(request);
    }

    public static string RandomClientIp() => $"198.51.{Random.Shared.Next(0, 255)}.{Random.Shared.Next(1, 255)}";

    /// <summary>The AppHost's local admin-token parameter (MyBlog.AppHost/appsettings.json).</summary>
    public const string AdminToken = "local-admin-token-change-me";

    /// <summary>A request to the admin API, from a distinct client unless <paramref name="clientIp"/> says otherwise.</summary>
    public static HttpRequestMessage AdminRequest(
        HttpMethod method, string path, object? body = null, string? ifMatch = null, string? token = AdminToken, string? clientIp = null)
    {
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
        request.Headers.Add("X-Forwarded-For", clientIp ?? RandomClientIp());
        return request;
    }

    /// <summary>Sends an admin request that must succeed; returns its JSON body (default for an empty one).</summary>
    public async Task<JsonElement> AdminAsync(HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        using var request = AdminRequest(method, path, body, ifMatch);
        using var response = await Site.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement;
    }
}

[CollectionDefinition(Name)]
public sealed class MyBlogAppCollection : ICollectionFixture<MyBlogApp>
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

    public Task<string> RawAsync(string id) => http.GetStringAsync($"/api/Messages/{id}/raw");

    public Task<string> PlainTextAsync(string id) => http.GetStringAsync($"/api/Messages/{id}/plaintext");
}
