using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace MyBlog.Tests.Integration;

/// <summary>
/// <c>--Local:Persist=true</c>: what an author wrote locally is there after the next <c>dotnet run</c>, and the
/// restart neither loses nor repeats the table's changes. Runs alone after the shared topology has stopped (it uses
/// the same fixed ports), booting the AppHost twice over one data folder.
/// </summary>
[Collection(LocalPersistenceCollection.Name)]
public sealed class LocalPersistenceTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"myblog-persist-{Guid.NewGuid():N}");

    [Fact]
    public async Task A_post_written_before_a_restart_is_there_after_it()
    {
        var title = $"Kept across restarts {Guid.NewGuid():N}";
        string slug;
        await using (var first = await StartAsync())
        {
            using var site = first.CreateHttpClient("web");
            var created = await AdminAsync(site, HttpMethod.Post, "/api/admin/posts", new { title, markdown = "Written **before** the restart.", tags = new[] { "kept" } });
            slug = created.GetProperty("slug").GetString()!;
            await AdminAsync(site, HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");
            Assert.Equal(HttpStatusCode.OK, await PageStatusAsync(site, $"/posts/{slug}/", HttpStatusCode.OK));
            await first.StopAsync();
        }
        Assert.True(Directory.EnumerateFiles(Path.Combine(_data, "dynamodb")).Any(), "DynamoDB Local wrote no database file");

        await using var second = await StartAsync();
        using var again = second.CreateHttpClient("web");
        var post = await AdminAsync(again, HttpMethod.Get, $"/api/admin/posts/{slug}");
        Assert.Equal(title, post.GetProperty("title").GetString());
        Assert.Equal("published", post.GetProperty("status").GetString());
        Assert.Equal(2, post.GetProperty("version").GetInt32());
        Assert.Equal(HttpStatusCode.OK, await PageStatusAsync(again, $"/posts/{slug}/", HttpStatusCode.OK));
        Assert.Contains(title, await again.GetStringAsync("/tags/kept/"));

        // The second run carries on where the first stopped: its stream positions were kept, and a change now is published.
        var edited = await AdminAsync(again, HttpMethod.Put, $"/api/admin/posts/{slug}",
            new { title, markdown = "Edited *after* the restart.", tags = new[] { "kept" } }, ifMatch: "\"v2\"");
        Assert.Equal(3, edited.GetProperty("version").GetInt32());
        var page = (await TestTopology.EventuallyAsync(again, $"/posts/{slug}/", (_, body) => body.Contains("<em>after</em>", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20))).Body;
        Assert.Contains("<em>after</em>", page);
        var positions = await File.ReadAllTextAsync(Path.Combine(_data, "localaws", "stream-checkpoints.json"));
        Assert.Contains("|publish|", positions);
    }

    private async Task<DistributedApplication> StartAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MyBlog_AppHost>(
            ["--Local:Persist=true", $"--Local:DataDirectory={_data}"], cts.Token);
        var app = await builder.BuildAsync(cts.Token);
        await app.StartAsync(cts.Token);
        foreach (var resource in new[] { "dynamodb", "s3", "localaws", "workers", "api", "web" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        }
        return app;
    }

    private static Task<JsonElement> AdminAsync(HttpClient site, HttpMethod method, string path, object? body = null, string? ifMatch = null) =>
        TestTopology.AdminAsync(site, method, path, body, ifMatch);

    private static async Task<HttpStatusCode> PageStatusAsync(HttpClient site, string path, HttpStatusCode wanted) =>
        (await TestTopology.EventuallyAsync(site, path, (status, _) => status == wanted, TimeSpan.FromSeconds(20))).Status;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A process may still be letting go of a file; the folder is under the temp directory.
        }
    }
}

/// <summary>Alone, after the parallel tests: its topology takes the same fixed ports as the shared one.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalPersistenceCollection
{
    public const string Name = "Local persistence";
}
