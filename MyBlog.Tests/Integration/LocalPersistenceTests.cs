using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;

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

    /// <summary>
    /// A fresh blog, as its owner finds it: the editor asks for the setup code, then for a passkey and makes an API
    /// key; after the restart the owner's session, passkey and key all still work, with the post.
    /// </summary>
    [Fact]
    public async Task The_owner_sets_up_in_the_browser_and_the_post_session_passkey_and_key_are_there_after_a_restart()
    {
        var title = $"Kept across restarts {Guid.NewGuid():N}";
        string slug;
        var (playwright, browser) = await MyBlog.Tests.Browser.BrowserFixture.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var editor = await browser.NewPageAsync();
        await using (var first = await StartAsync(setUp: false))
        {
            using var site = first.CreateHttpClient("web");
            await MyBlog.Tests.Browser.BrowserFixture.SetUpOwnerAsync(editor, MyBlog.Tests.Browser.BrowserFixture.ByName(site.BaseAddress!));
            _ownerKey = TestTopology.AdminToken = await MyBlog.Tests.Browser.BrowserFixture.CreateKeyInEditorAsync(editor, "restart test");
            var created = await AdminAsync(site, HttpMethod.Post, "/api/admin/posts", new { title, markdown = "Written **before** the restart.", tags = new[] { "kept" } });
            slug = created.GetProperty("slug").GetString()!;
            await AdminAsync(site, HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");
            Assert.Equal(HttpStatusCode.OK, await PageStatusAsync(site, $"/posts/{slug}/", HttpStatusCode.OK));
            await first.StopAsync();
        }
        Assert.True(Directory.EnumerateFiles(Path.Combine(_data, "dynamodb")).Any(), "DynamoDB Local wrote no database file");

        await using var second = await StartAsync();
        using var again = second.CreateHttpClient("web");
        // The owner's browser is still signed in, and its passkey signs it in again.
        await editor.ReloadAsync();
        await Assertions.Expect(editor.Locator("#signed-in-as")).ToContainTextAsync("(owner)");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await editor.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        await Assertions.Expect(editor.Locator("#signed-in-as")).ToContainTextAsync("(owner)");
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

    private string? _ownerKey;

    private async Task<DistributedApplication> StartAsync(bool setUp = true)
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
        if (setUp)
        {
            // A later start finds the blog set up, and the key made at the first still works.
            _ownerKey = await MyBlog.Tests.Support.StaffSignIn.OwnerKeyAsync(app.CreateHttpClient("web").BaseAddress!, _ownerKey);
            TestTopology.AdminToken = _ownerKey;
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
