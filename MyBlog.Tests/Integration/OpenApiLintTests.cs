using System.Text.Json;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The OpenAPI document the API serves, held to Stoplight Spectral's OpenAPI rules and the OWASP API Security rules
/// (lint/openapi/ruleset.yaml, where each deliberate exception says why): no errors, so what the document promises —
/// security, bounds, answers, quotas — is what a reviewer and a generated client can rely on.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class OpenApiLintTests(TestTopology app)
{
    private static readonly NpmTool Spectral = new(Path.Combine("lint", "openapi"), Path.Combine("@stoplight", "spectral-cli"));

    private sealed record Finding(string Code, string Message, JsonElement[] Path, int Severity);

    [Fact]
    public async Task The_served_document_passes_Spectral_s_OpenAPI_and_OWASP_rules_without_an_error()
    {
        await Spectral.EnsureInstalledAsync();
        // The ruleset's exceptions address the document as openapi.json below its own folder.
        var served = Path.Combine(Spectral.Directory, "served");
        Directory.CreateDirectory(served);
        await File.WriteAllTextAsync(Path.Combine(served, "openapi.json"), await app.Site.GetStringAsync("/api/openapi/v1.json"));

        var (_, output, errors) = await Spectral.RunAsync("node",
            [Path.Combine("node_modules", "@stoplight", "spectral-cli", "dist", "index.js"), "lint", Path.Combine("served", "openapi.json"),
                "--ruleset", "ruleset.yaml", "--format", "json", "--quiet"]);
        var findings = JsonSerializer.Deserialize<List<Finding>>(output, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException($"Spectral wrote no findings: {errors}");

        var failing = findings.Where(f => f.Severity == 0).Select(f => $"{f.Code} at {string.Join('.', f.Path)}: {f.Message}").ToList();
        Assert.True(failing.Count == 0, string.Join('\n', failing));
        // The exceptions are places, not whole rules: the rules still hold everywhere else.
        Assert.Contains(findings, f => f.Code.StartsWith("owasp:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_document_declares_the_API_key_and_the_session_and_the_bounds_the_code_enforces()
    {
        using var document = JsonDocument.Parse(await app.Site.GetStringAsync("/api/openapi/v1.json"));
        var root = document.RootElement;
        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("apiKey").GetProperty("scheme").GetString());
        Assert.Equal("cookie", schemes.GetProperty("session").GetProperty("in").GetString());

        var create = root.GetProperty("paths").GetProperty("/api/admin/posts").GetProperty("post");
        Assert.True(create.GetProperty("security")[0].TryGetProperty("apiKey", out _));
        Assert.True(create.GetProperty("security")[1].TryGetProperty("session", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("401", out _));

        var input = root.GetProperty("components").GetProperty("schemas").GetProperty("PostInput").GetProperty("properties");
        Assert.Equal(Core.Posts.PostInput.MaxTitleLength, input.GetProperty("title").GetProperty("maxLength").GetInt32());
        Assert.Equal(Core.Posts.PostInput.MaxTags, input.GetProperty("tags").GetProperty("maxItems").GetInt32());

        var subscribed = root.GetProperty("paths").GetProperty("/api/subscribers").GetProperty("post").GetProperty("responses").GetProperty("202");
        Assert.True(subscribed.GetProperty("headers").TryGetProperty("RateLimit-Remaining", out _));
    }
}
