using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MyBlog.Tests.Support;

/// <summary>A signed-in browser's credentials, as a test holds them: the session cookie and its CSRF token.</summary>
public sealed record StaffBrowser(string Cookie, string Csrf)
{
    /// <summary>The session cookie's name on http://localhost (on https it is <c>__Host-myblog-session</c>).</summary>
    public const string CookieName = "myblog-session";

    /// <summary>A request as the editor sends it: the cookie, and the CSRF token on a change.</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", $"{CookieName}={Cookie}");
        if (method != HttpMethod.Get)
        {
            request.Headers.Add("X-MyBlog-CSRF", Csrf);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return request;
    }
}

/// <summary>
/// Signing in as the tests do it: through the API's own routes (the one-time setup, the sign-in link), with a client
/// that keeps no cookies of its own — a shared client carrying a session would make every later request signed in.
/// </summary>
public static class StaffSignIn
{
    /// <summary>The AppHost's local setup-code parameter (MyBlog.AppHost/appsettings.json).</summary>
    public const string SetupCode = "local-setup-code-change-me";

    public const string OwnerEmail = "owner@example.com";

    public static HttpClient CookieFree(Uri site) => new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = site };

    /// <summary>Makes the first owner; null when the blog already has one (409).</summary>
    public static async Task<StaffBrowser?> SetUpAsync(Uri site, string email = OwnerEmail, string name = "Olive Owner")
    {
        using var http = CookieFree(site);
        using var response = await http.PostAsJsonAsync("/api/auth/setup", new { setupCode = SetupCode, email, name });
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }
        return await BrowserFromAsync(response);
    }

    /// <summary>The browser a sign-in answer (setup, link, passkey) made: its Set-Cookie and its CSRF token.</summary>
    public static async Task<StaffBrowser> BrowserFromAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"sign-in answered {(int)response.StatusCode}: {text}");
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(StaffBrowser.CookieName + "=", StringComparison.Ordinal));
        var value = cookie[(StaffBrowser.CookieName.Length + 1)..cookie.IndexOf(';', StringComparison.Ordinal)];
        return new StaffBrowser(value, JsonDocument.Parse(text).RootElement.GetProperty("csrf").GetString()!);
    }

    /// <summary>A new API key of the signed-in person.</summary>
    public static async Task<string> CreateKeyAsync(Uri site, StaffBrowser browser, string name)
    {
        using var http = CookieFree(site);
        using var response = await http.SendAsync(browser.Request(HttpMethod.Post, "/api/admin/account/keys", new { name }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"key: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("key").GetString()!;
    }

    /// <summary>
    /// The owner's API key for a topology: made at its first start (setup, then a key named for the tests), kept
    /// for a later start on the same data (where setup answers 409). The setup's session is kept too, for browser
    /// tests that open the editor as the owner (<see cref="Owner"/>).
    /// </summary>
    public static async Task<string> OwnerKeyAsync(Uri site, string? kept)
    {
        var owner = await SetUpAsync(site);
        if (owner is null)
        {
            return kept ?? throw new InvalidOperationException("The blog was set up before, and no key of its owner is known.");
        }
        Owner = owner;
        return await CreateKeyAsync(site, owner, "integration tests");
    }

    /// <summary>The owner's session made by the setup of the topology running now.</summary>
    public static StaffBrowser? Owner { get; private set; }
}
