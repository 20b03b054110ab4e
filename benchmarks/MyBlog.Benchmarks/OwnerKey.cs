using System.Net.Http.Json;
using System.Text.Json;

namespace MyBlog.Benchmarks;

/// <summary>
/// A benchmark's way into the admin API of the fresh blog it started: the one-time setup with the AppHost's local
/// setup code (the owner's session), then an API key of the owner's, as a script of theirs would hold it.
/// </summary>
public static class OwnerKey
{
    private const string SetupCode = "local-setup-code-change-me";

    public static async Task<string> SetUpAsync(Uri site)
    {
        // Through a client of its own that keeps no cookies: the session stays out of the benchmark's requests.
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = site };
        using var setup = await http.PostAsJsonAsync("/api/auth/setup", new { setupCode = SetupCode, email = "owner@example.com", name = "Benchmark Owner" });
        var body = await setup.Content.ReadAsStringAsync();
        if (!setup.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The blog's setup answered {(int)setup.StatusCode}: {body}");
        }
        var cookie = setup.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("myblog-session=", StringComparison.Ordinal)).Split(';')[0];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/account/keys") { Content = JsonContent.Create(new { name = "benchmark" }) };
        request.Headers.Add("Cookie", cookie);
        request.Headers.Add("X-MyBlog-CSRF", JsonDocument.Parse(body).RootElement.GetProperty("csrf").GetString());
        using var key = await http.SendAsync(request);
        key.EnsureSuccessStatusCode();
        return (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }
}
