using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using MyBlog.Core.Storage;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The AppHost's two-region run (<c>--Local:Regions=us-east-1,eu-west-1</c>): a replica of the table, LocalAws,
/// workers and API per region, replication between the replicas with a lag of <see cref="Lag"/>, and the edge in
/// front routing to the first healthy region. It uses the fixed local ports, so it runs alone, after the shared topology.
/// </summary>
public sealed class MultiRegionTopology : IAsyncLifetime
{
    public const string Home = "us-east-1";
    public const string Other = "eu-west-1";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);

    /// <summary>The tests' replication lag: long enough to hold a conflict open, short enough to wait out.</summary>
    public TimeSpan Lag { get; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a region is silent before the other takes over its owed welcomes (fifteen of the tests' sweeps).</summary>
    public TimeSpan HandoverAfter { get; } = TimeSpan.FromSeconds(30);

    private DistributedApplication? _app;

    /// <summary>The regions a test took down and has not brought back.</summary>
    private readonly HashSet<string> _down = [];

    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started");
    public HttpClient Site { get; private set; } = null!;
    public MailSink Mail { get; private set; } = null!;

    /// <summary>A resource's name in a region, as the AppHost names them.</summary>
    public static string Named(string resource, string region) => region == Home ? resource : $"{resource}-{region}";

    /// <summary>What makes up a region's stack, in the order a region's outage takes them.</summary>
    public static string[] RegionServices(string region) => [Named("api", region), Named("workers", region), Named("localaws", region)];

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MyBlog_AppHost>(
            [$"--Local:Regions={Home},{Other}", $"--Local:ReplicationLag={Lag}", $"--Local:HandoverAfter={HandoverAfter}"], cts.Token);
        foreach (var region in new[] { Home, Other })
        {
            Project(builder, Named("localaws", region)).WithEnvironment("LocalAws__Schedules__welcome-sweep__Interval", "00:00:02");
            Project(builder, Named("workers", region))
                .WithEnvironment("Mail__Timeout", "00:00:04")
                .WithEnvironment("Mail__SendTimeout", "00:00:05")
                .WithEnvironment("Mail__BatchBudget", "00:00:10")
                // Long enough for a claim to settle (4 s) and its batch to be sent in the first half.
                .WithEnvironment("Welcome__Lease", "00:00:30")
                .WithEnvironment("Welcome__RetryBackoff", "00:00:00.500")
                .WithEnvironment("Welcome__MaxRetryBackoff", "00:00:03");
            Project(builder, Named("api", region))
                .WithEnvironment("Subscribers__Challenge__Difficulty", TestTopology.ChallengeDifficulty.ToString(CultureInfo.InvariantCulture))
                .WithEnvironment("Edge__OriginSecret", TestTopology.OriginSecret);
        }
        Project(builder, "web").WithEnvironment("Edge__OriginSecret", TestTopology.OriginSecret);

        _app = await builder.BuildAsync(cts.Token);
        await _app.StartAsync(cts.Token);
        foreach (var resource in new[] { "s3", "smtp4dev", "web" }.Concat(RegionServices(Home)).Concat(RegionServices(Other)))
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        }
        Site = _app.CreateHttpClient("web");
        TestTopology.AdminToken = await MyBlog.Tests.Support.StaffSignIn.OwnerKeyAsync(Site.BaseAddress!, null);
        Mail = new MailSink(_app.CreateHttpClient("smtp4dev"));
    }

    private static IResourceBuilder<ProjectResource> Project(IDistributedApplicationTestingBuilder builder, string name) =>
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == name));

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>The region's replica of the table, reached directly (a test's view; the services use their own region's).</summary>
    public IAmazonDynamoDB DynamoDb(string region) => new AmazonDynamoDBClient(
        new BasicAWSCredentials("S3RVER", "S3RVER"),
        new AmazonDynamoDBConfig { ServiceURL = App.GetEndpoint(Named("dynamodb", region), "http").ToString(), AuthenticationRegion = "us-east-1" });

    /// <summary>The region's API as CloudFront reaches it: with the origin secret, for a reader of its own.</summary>
    public async Task<HttpResponseMessage> ApiAsync(string region, HttpRequestMessage request, string? reader = null)
    {
        request.Headers.Add("X-MyBlog-Origin", TestTopology.OriginSecret);
        request.Headers.Add("CloudFront-Viewer-Address", $"{reader ?? TestTopology.RandomClientIp()}:443");
        return await App.CreateHttpClient(Named("api", region)).SendAsync(request);
    }

    /// <summary>Subscribes <paramref name="address"/> through one region's API, with the proof of work its form would make.</summary>
    public async Task<HttpResponseMessage> SubscribeInAsync(string region, string address)
    {
        var reader = TestTopology.RandomClientIp();
        using var challengeRequest = new HttpRequestMessage(HttpMethod.Get, "/api/subscribers/challenge");
        using var challengeResponse = await ApiAsync(region, challengeRequest, reader);
        var challenge = (await challengeResponse.Content.ReadFromJsonAsync<Core.Subscribers.ChallengeTicket>())!;
        var body = new { email = address, challenge = challenge.Challenge, nonce = Core.Subscribers.SubscribeChallenge.Solve(challenge, address) };
        return await ApiAsync(region, new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(body) }, reader);
    }

    /// <summary>A region's outage, with the AppHost's own command for it (on the region's DynamoDB Local in the dashboard).</summary>
    public async Task TakeDownAsync(string region)
    {
        _down.Add(region);
        await RegionCommandAsync(region, AppHost.Regions.RegionOutage.DownCommand);
    }

    public async Task BringBackAsync(string region)
    {
        await RegionCommandAsync(region, AppHost.Regions.RegionOutage.UpCommand);
        _down.Remove(region);
    }

    /// <summary>Brings back every region a test took down and left down (it failed on the way), so the tests after it start whole.</summary>
    public async Task BringBackEveryRegionAsync()
    {
        foreach (var region in _down.ToList())
        {
            await BringBackAsync(region);
        }
    }

    private async Task RegionCommandAsync(string region, string command)
    {
        var result = await App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(Named("dynamodb", region), command);
        Assert.True(result.Success, $"{command} on {region}: {result.Message}");
    }

    /// <summary>One item's attributes as a region's replica has it (strings only), or null.</summary>
    public async Task<Dictionary<string, string>?> ItemAsync(string region, string pk, string sk)
    {
        using var dynamo = DynamoDb(region);
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = MyBlogTable.DefaultName,
            Key = new() { [MyBlogTable.PartitionKey] = new(pk), [MyBlogTable.SortKey] = new(sk) },
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item.Where(a => a.Value.S is not null).ToDictionary(a => a.Key, a => a.Value.S) : null;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the item in the region (or the timeout); returns what it saw last.</summary>
    public async Task<Dictionary<string, string>?> ItemEventuallyAsync(string region, string pk, string sk,
        Func<Dictionary<string, string>?, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var item = await ItemAsync(region, pk, sk);
            if (condition(item) || DateTime.UtcNow > deadline)
            {
                return item;
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Holds (or lets go) a region's outbound replication to another, as a cut link between them would.</summary>
    public async Task HoldReplicationAsync(string from, string to, bool hold)
    {
        using var response = await App.CreateHttpClient(Named("localaws", from)).PostAsync($"/replication/{to}/{(hold ? "pause" : "resume")}", null);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>LocalAws's replication status in a region (GET /replication).</summary>
    public async Task<JsonElement> ReplicationAsync(string region) =>
        JsonDocument.Parse(await App.CreateHttpClient(Named("localaws", region)).GetStringAsync("/replication")).RootElement;
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiRegionCollection : ICollectionFixture<MultiRegionTopology>
{
    public const string Name = "MyBlog in two regions";
}
