using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MyBlog.Api.Staff;
using MyBlog.Core;
using MyBlog.Core.Staff;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// Sessions, links and passkey challenges against the passing of time, on DynamoDB Local with a table of the test's
/// own and a clock the test turns: a session ends 14 days after its last use and 90 days after sign-in whatever
/// happens; a link works once and for 15 minutes; a challenge is taken once.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class StaffSessionsTests(TestTopology app) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private IsolatedStorage _storage = null!;
    private StaffStore _staff = null!;
    private StaffSessions _sessions = null!;

    public async Task InitializeAsync()
    {
        _storage = await IsolatedStorage.CreateAsync(app);
        _staff = new StaffStore(_storage.Dynamo, _storage.Site, _time);
        _sessions = new StaffSessions(_storage.Dynamo, _staff, _storage.Site, _time);
    }

    public async Task DisposeAsync() => await _storage.DisposeAsync();

    [Fact]
    public async Task A_session_ends_two_weeks_after_its_last_use_and_ninety_days_after_sign_in()
    {
        var owner = (await _staff.SetUpAsync("owner@example.com", "Olive", default))!;
        Assert.Null(await _staff.SetUpAsync("other@example.com", "Mallory", default)); // once

        var (idle, _, _) = await _sessions.StartAsync(owner, SignInMethod.Passkey, "Firefox", default);
        _time.Advance(TimeSpan.FromDays(13));
        Assert.NotNull(await _sessions.ResolveSessionAsync(idle, default));
        _time.Advance(TimeSpan.FromDays(13)); // 13 days after its last use: still on
        Assert.NotNull(await _sessions.ResolveSessionAsync(idle, default));
        _time.Advance(TimeSpan.FromDays(15)); // 15 days idle: over, and gone from the list
        Assert.Null(await _sessions.ResolveSessionAsync(idle, default));
        Assert.Empty(await _sessions.SessionsAsync(owner.Id, default));

        var (busy, _, _) = await _sessions.StartAsync(owner, SignInMethod.EmailLink, "Safari", default);
        for (var day = 0; day < 89; day++)
        {
            _time.Advance(TimeSpan.FromDays(1));
            Assert.NotNull(await _sessions.ResolveSessionAsync(busy, default));
        }
        _time.Advance(TimeSpan.FromDays(1.5));
        Assert.Null(await _sessions.ResolveSessionAsync(busy, default));
    }

    [Fact]
    public async Task A_credential_with_a_wrong_secret_or_a_made_up_shape_finds_nobody()
    {
        var owner = (await _staff.SetUpAsync("owner@example.com", "Olive", default))!;
        var (cookie, _, _) = await _sessions.StartAsync(owner, SignInMethod.Setup, null, default);
        var (key, _) = await _sessions.CreateKeyAsync(owner.Id, "script", default);
        Assert.NotNull(await _sessions.ResolveSessionAsync(cookie, default));
        Assert.NotNull(await _sessions.ResolveKeyAsync(key, default));

        var parts = cookie.Split('.');
        foreach (var forged in new[] { $"{parts[0]}.{parts[1]}.{StaffSecrets.NewSecret()}", $"{parts[0]}.{parts[1]}", "", "x.y.z", cookie + ".extra", cookie.ToUpperInvariant() })
        {
            Assert.Null(await _sessions.ResolveSessionAsync(forged, default));
        }
        Assert.Null(await _sessions.ResolveKeyAsync(cookie, default)); // a session is not a key
        Assert.Null(await _sessions.ResolveSessionAsync(key, default)); // nor a key a session
        Assert.Null(await _sessions.ResolveKeyAsync(key[..^2] + "AA", default));
    }

    [Fact]
    public async Task A_link_works_once_and_for_fifteen_minutes_and_a_challenge_is_taken_once()
    {
        var links = new SignInLinks(_storage.Dynamo, _storage.Site, _time);
        var token = await links.CreateLinkAsync("0123456789abcdef0123456789abcdef", SignInLinks.Lifetime, default);
        Assert.Equal("0123456789abcdef0123456789abcdef", await links.RedeemAsync(token, default));
        Assert.Null(await links.RedeemAsync(token, default));

        var late = await links.CreateLinkAsync("0123456789abcdef0123456789abcdef", SignInLinks.Lifetime, default);
        _time.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(await links.RedeemAsync(late, default));
        var wrong = await links.CreateLinkAsync("0123456789abcdef0123456789abcdef", SignInLinks.Lifetime, default);
        Assert.Null(await links.RedeemAsync(wrong.Split('.')[0] + "." + StaffSecrets.NewSecret(), default));
        Assert.NotNull(await links.RedeemAsync(wrong, default)); // a wrong guess does not use the link up

        // Each carries the table's time to live, so DynamoDB deletes it once it is worthless.
        var scan = await _storage.Dynamo.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest { TableName = _storage.Name });
        Assert.All(scan.Items.Where(i => i["pk"].S.StartsWith(SignInLinks.LinkPrefix, StringComparison.Ordinal)),
            i => Assert.True(long.Parse(i[MyBlog.Core.Storage.MyBlogTable.TimeToLive].N, System.Globalization.CultureInfo.InvariantCulture) <= _time.GetUtcNow().AddMinutes(16).ToUnixTimeSeconds()));

        var passkeys = new PasskeyStore(_storage.Dynamo, _storage.Site, _time);
        var challenge = await passkeys.SaveChallengeAsync("sign-in", null, "{}", default);
        Assert.Null(await passkeys.TakeChallengeAsync(challenge, "register", null, default)); // another ceremony's: refused
        Assert.Equal("{}", await passkeys.TakeChallengeAsync(challenge, "sign-in", null, default));
        Assert.Null(await passkeys.TakeChallengeAsync(challenge, "sign-in", null, default));
        var someonesElse = await passkeys.SaveChallengeAsync("register", "0123456789abcdef0123456789abcdef", "{}", default);
        Assert.Null(await passkeys.TakeChallengeAsync(someonesElse, "register", "fedcba9876543210fedcba9876543210", default));
        var stale = await passkeys.SaveChallengeAsync("sign-in", null, "{}", default);
        _time.Advance(PasskeyStore.ChallengeLifetime);
        Assert.Null(await passkeys.TakeChallengeAsync(stale, "sign-in", null, default));
    }

    [Fact]
    public void The_session_cookie_is_secure_and_host_only_on_https_and_plain_on_local_http()
    {
        var https = new MyBlogOptions { SiteUrl = "https://blog.example.com" };
        Assert.Equal("__Host-myblog-session", SessionCookie.Name(https));
        var options = SessionCookie.Options(https, StaffSessions.AgeLimit);
        Assert.True(options is { Secure: true, HttpOnly: true, SameSite: Microsoft.AspNetCore.Http.SameSiteMode.Strict, Path: "/", Domain: null });

        var local = new MyBlogOptions { SiteUrl = "http://localhost:8080" };
        Assert.Equal("myblog-session", SessionCookie.Name(local));
        Assert.True(SessionCookie.Options(local, StaffSessions.AgeLimit) is { Secure: false, HttpOnly: true, SameSite: Microsoft.AspNetCore.Http.SameSiteMode.Strict });
    }
}
