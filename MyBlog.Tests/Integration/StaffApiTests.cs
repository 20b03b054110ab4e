using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// Sign-in and the staff through the API, on the whole topology: the one-time setup, links by email that say nothing
/// about who has an account, sessions and keys revoked one by one, CSRF, roles, and a person removed at once.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class StaffApiTests(TestTopology app)
{
    private Uri SiteUri => app.Site.BaseAddress!;

    /// <summary>
    /// Sends as a browser of its own would: from a loopback address of its own (sign-in attempts are counted per
    /// client), keeping no cookies (the request carries what the test gives it).
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string? clientIp = null)
    {
        using var http = TestTopology.ReaderOf(SiteUri, clientIp ?? TestTopology.RandomClientIp(), useCookies: false);
        return await http.SendAsync(request);
    }

    private static HttpRequestMessage Post(string path, object body) => new(HttpMethod.Post, path) { Content = JsonContent.Create(body) };

    /// <summary>The token of the sign-in link in the first message to <paramref name="email"/> whose subject starts so.</summary>
    private async Task<string> LinkTokenAsync(string email, string subjectStart) =>
        Uri.UnescapeDataString((await app.Mail.SignInLinkAsync(email, subjectStart)).Split("#sign-in=")[1]);

    /// <summary>Invites a person as the owner and signs them in through the invitation's emailed link.</summary>
    private async Task<(string Id, string Email, StaffBrowser Browser)> InviteAndSignInAsync(string role)
    {
        var email = TestTopology.NewAddress("staff-" + role);
        var person = await app.AdminAsync(HttpMethod.Post, "/api/admin/staff", new { email, name = "Sam Staff", role });
        var token = await LinkTokenAsync(email, "Olive Owner invited you");
        using var redeemed = await SendAsync(Post("/api/auth/email-link/redeem", new { token }));
        return (person.GetProperty("id").GetString()!, email, await StaffSignIn.BrowserFromAsync(redeemed));
    }

    [Fact]
    public async Task Setup_happens_once_and_a_stranger_without_the_code_learns_nothing_from_it()
    {
        using var wrong = await SendAsync(Post("/api/auth/setup", new { setupCode = "guessing-the-code-0000", email = "mallory@example.com", name = "Mallory" }), TestTopology.RandomClientIp());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        using var again = await SendAsync(Post("/api/auth/setup", new { setupCode = StaffSignIn.SetupCode, email = "mallory@example.com", name = "Mallory" }), TestTopology.RandomClientIp());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.False(again.Headers.Contains("Set-Cookie"));

        var staff = await app.AdminAsync(HttpMethod.Get, "/api/admin/staff");
        Assert.DoesNotContain(staff.GetProperty("items").EnumerateArray(), p => p.GetProperty("email").GetString() == "mallory@example.com");
        var state = await app.Site.GetFromJsonAsync<JsonElement>("/api/auth/session");
        Assert.False(state.GetProperty("signedIn").GetBoolean());
        Assert.True(state.GetProperty("setUp").GetBoolean());
    }

    [Fact]
    public async Task A_link_is_asked_for_the_same_way_for_any_address_and_mailed_only_to_staff_and_works_once()
    {
        var (_, email, _) = await InviteAndSignInAsync("author");
        var stranger = TestTopology.NewAddress("not-staff");
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the staff mailer's spacing in the test topology

        using var known = await SendAsync(Post("/api/auth/email-link", new { email }), TestTopology.RandomClientIp());
        using var unknown = await SendAsync(Post("/api/auth/email-link", new { email = stranger }), TestTopology.RandomClientIp());
        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(known.StatusCode, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());

        var token = await LinkTokenAsync(email, "Your sign-in link");
        using var first = await SendAsync(Post("/api/auth/email-link/redeem", new { token }));
        using var second = await SendAsync(Post("/api/auth/email-link/redeem", new { token }));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Empty(await app.Mail.ToAsync(stranger));
    }

    [Fact]
    public async Task Sign_in_attempts_from_one_client_are_rate_limited()
    {
        var client = TestTopology.RandomClientIp();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 11; i++)
        {
            last?.Dispose();
            last = await SendAsync(Post("/api/auth/email-link/redeem", new { token = $"{new string('a', 32)}.{new string('b', 40)}{i}" }), client);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.NotNull(last.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_change_with_a_session_needs_the_CSRF_token_and_the_sites_own_origin()
    {
        var owner = StaffSignIn.Owner!;
        var body = new { title = $"CSRF {Guid.NewGuid():N}", markdown = "x" };
        using var bare = owner.Request(HttpMethod.Post, "/api/admin/posts", body);
        bare.Headers.Remove("X-MyBlog-CSRF");
        using var withoutToken = await SendAsync(bare);
        Assert.Equal(HttpStatusCode.Forbidden, withoutToken.StatusCode);

        using var foreign = owner.Request(HttpMethod.Post, "/api/admin/posts", body);
        foreign.Headers.Add("Origin", "https://evil.example");
        using var fromElsewhere = await SendAsync(foreign);
        Assert.Equal(HttpStatusCode.Forbidden, fromElsewhere.StatusCode);

        var wrongToken = owner with { Csrf = "not-the-token" };
        using var wrong = await SendAsync(wrongToken.Request(HttpMethod.Post, "/api/admin/posts", body));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);

        var drafts = await app.AdminAsync(HttpMethod.Get, "/api/admin/posts?status=draft&limit=100");
        Assert.DoesNotContain(drafts.GetProperty("items").EnumerateArray(), p => p.GetProperty("title").GetString() == body.title);

        using var reads = await SendAsync(owner.Request(HttpMethod.Get, "/api/admin/posts?limit=1"));
        Assert.Equal(HttpStatusCode.OK, reads.StatusCode);
        using var made = await SendAsync(owner.Request(HttpMethod.Post, "/api/admin/posts", body));
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
    }

    [Fact]
    public async Task An_author_cannot_reach_settings_subscribers_or_staff_but_writes_posts()
    {
        var (authorId, _, author) = await InviteAndSignInAsync("author");
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
                 {
                     (HttpMethod.Post, $"/api/admin/staff/{authorId}/invitation", null),
                     (HttpMethod.Get, "/api/admin/settings", null),
                     (HttpMethod.Put, "/api/admin/settings", new { title = "Mine now", version = 0 }),
                     (HttpMethod.Get, "/api/admin/subscribers", null),
                     (HttpMethod.Get, "/api/admin/subscribers/export", null),
                     (HttpMethod.Get, "/api/admin/staff", null),
                     (HttpMethod.Post, "/api/admin/staff", new { email = "friend@example.com", name = "Friend", role = "owner" }),
                 })
        {
            using var response = await SendAsync(author.Request(method, path, body));
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        using var post = await SendAsync(author.Request(HttpMethod.Post, "/api/admin/posts", new { title = $"By an author {Guid.NewGuid():N}", markdown = "Hello." }));
        Assert.Equal(HttpStatusCode.Created, post.StatusCode);

        // A subscriber list's import report names readers: an author finds no such import; its owner does.
        var list = await app.AdminAsync(HttpMethod.Post, "/api/admin/subscribers/imports", new { fileName = "members.csv", contentType = "text/csv", size = 100 });
        var report = $"/api/admin/imports/{list.GetProperty("importId").GetString()}";
        using (var hidden = await SendAsync(author.Request(HttpMethod.Get, report)))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }
        await app.AdminAsync(HttpMethod.Get, report);
    }

    [Fact]
    public async Task An_owner_changes_a_persons_role_and_it_applies_to_their_next_request_but_not_their_own()
    {
        var (id, _, person) = await InviteAndSignInAsync("author");
        using (var before = await SendAsync(person.Request(HttpMethod.Get, "/api/admin/settings")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);
        }
        var promoted = await app.AdminAsync(HttpMethod.Put, $"/api/admin/staff/{id}/role", new { role = "owner" });
        Assert.Equal("owner", promoted.GetProperty("role").GetString());
        using (var after = await SendAsync(person.Request(HttpMethod.Get, "/api/admin/settings")))
        {
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        await app.AdminAsync(HttpMethod.Put, $"/api/admin/staff/{id}/role", new { role = "author" });
        using (var again = await SendAsync(person.Request(HttpMethod.Get, "/api/admin/settings")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        }

        var me = await app.AdminAsync(HttpMethod.Get, "/api/admin/account");
        using var self = TestTopology.AdminRequest(HttpMethod.Put, $"/api/admin/staff/{me.GetProperty("id").GetString()}/role", new { role = "author" });
        Assert.Equal(HttpStatusCode.Conflict, (await app.Site.SendAsync(self)).StatusCode);
        using var king = TestTopology.AdminRequest(HttpMethod.Put, $"/api/admin/staff/{id}/role", new { role = "king" });
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Site.SendAsync(king)).StatusCode);
        using var nobody = TestTopology.AdminRequest(HttpMethod.Put, $"/api/admin/staff/{new string('0', 32)}/role", new { role = "owner" });
        Assert.Equal(HttpStatusCode.NotFound, (await app.Site.SendAsync(nobody)).StatusCode);
    }

    [Fact]
    public async Task A_revoked_session_a_revoked_key_and_a_removed_person_are_refused_on_the_next_request()
    {
        var (id, _, browser) = await InviteAndSignInAsync("author");
        var key = await StaffSignIn.CreateKeyAsync(SiteUri, browser, "script");
        using var keyed = new HttpRequestMessage(HttpMethod.Get, "/api/admin/posts?limit=1") { Headers = { Authorization = new("Bearer", key) } };
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(keyed)).StatusCode);

        // Keys: listed by name, never with their value; revoked, refused at once.
        using var listed = await SendAsync(browser.Request(HttpMethod.Get, "/api/admin/account/keys"));
        var keys = await listed.Content.ReadFromJsonAsync<JsonElement>();
        var item = Assert.Single(keys.GetProperty("items").EnumerateArray());
        Assert.Equal("script", item.GetProperty("name").GetString());
        Assert.DoesNotContain(key.Split('.')[^1], keys.ToString(), StringComparison.Ordinal);
        using var revokeKey = await SendAsync(browser.Request(HttpMethod.Delete, $"/api/admin/account/keys/{item.GetProperty("id").GetString()}"));
        Assert.Equal(HttpStatusCode.NoContent, revokeKey.StatusCode);
        using var keyedAgain = new HttpRequestMessage(HttpMethod.Get, "/api/admin/posts?limit=1") { Headers = { Authorization = new("Bearer", key) } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(keyedAgain)).StatusCode);

        // Sessions: the person's second session revoked from the first; the second is refused at once.
        var second = await StaffSignIn.BrowserFromAsync(await SecondSessionAsync(browser));
        using var sessions = await SendAsync(browser.Request(HttpMethod.Get, "/api/admin/account/sessions"));
        var list = (await sessions.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, list.Count);
        var other = list.Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetString();
        using var revoke = await SendAsync(browser.Request(HttpMethod.Delete, $"/api/admin/account/sessions/{other}"));
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(second.Request(HttpMethod.Get, "/api/admin/posts?limit=1"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(browser.Request(HttpMethod.Get, "/api/admin/posts?limit=1"))).StatusCode);

        // Removed by the owner: the first session stops too, and the person is gone from the list.
        await app.AdminAsync(HttpMethod.Delete, $"/api/admin/staff/{id}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(browser.Request(HttpMethod.Get, "/api/admin/posts?limit=1"))).StatusCode);
        var staff = await app.AdminAsync(HttpMethod.Get, "/api/admin/staff");
        Assert.DoesNotContain(staff.GetProperty("items").EnumerateArray(), p => p.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task An_owner_sends_a_new_invitation_to_someone_who_has_not_signed_in_and_to_nobody_else()
    {
        var email = TestTopology.NewAddress("staff-late");
        var person = await app.AdminAsync(HttpMethod.Post, "/api/admin/staff", new { email, name = "Lee Late", role = "author" });
        var id = person.GetProperty("id").GetString()!;
        var first = await LinkTokenAsync(email, "Olive Owner invited you");
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the staff mailer's spacing in the test topology

        // A second invitation, with a link of its own; the new link signs them in.
        using var resend = await SendAsync(TestTopology.AdminRequest(HttpMethod.Post, $"/api/admin/staff/{id}/invitation"));
        Assert.Equal(HttpStatusCode.Accepted, resend.StatusCode);
        Assert.Equal(email, (await resend.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString());
        var links = await app.Mail.SignInLinksAsync(email, "Olive Owner invited you", 2);
        var second = links.Select(l => Uri.UnescapeDataString(l.Split("#sign-in=")[1])).Single(t => t != first);
        using var redeemed = await SendAsync(Post("/api/auth/email-link/redeem", new { token = second }));
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);

        // Signed in now: they sign in as anyone does, and get no invitation. Nobody of that id: nothing is sent.
        using var again = await SendAsync(TestTopology.AdminRequest(HttpMethod.Post, $"/api/admin/staff/{id}/invitation"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        using var nobody = await SendAsync(TestTopology.AdminRequest(HttpMethod.Post, "/api/admin/staff/not-an-id/invitation"));
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
        Assert.Equal("application/problem+json", nobody.Content.Headers.ContentType?.MediaType);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(2, (await app.Mail.ToAsync(email)).Count(m => m.Subject.StartsWith("Olive Owner invited you", StringComparison.Ordinal)));
    }

    /// <summary>A second session of the person: a sign-in link asked for and redeemed.</summary>
    private async Task<HttpResponseMessage> SecondSessionAsync(StaffBrowser first)
    {
        using var me = await SendAsync(first.Request(HttpMethod.Get, "/api/admin/account"));
        var email = (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString()!;
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        using var asked = await SendAsync(Post("/api/auth/email-link", new { email }), TestTopology.RandomClientIp());
        return await SendAsync(Post("/api/auth/email-link/redeem", new { token = await LinkTokenAsync(email, "Your sign-in link") }));
    }

    [Fact]
    public async Task Bad_sign_in_and_staff_bodies_answer_problems()
    {
        using var badEmail = await SendAsync(Post("/api/auth/email-link", new { email = "not an address" }), TestTopology.RandomClientIp());
        Assert.Equal(HttpStatusCode.BadRequest, badEmail.StatusCode);
        Assert.Equal("application/problem+json", badEmail.Content.Headers.ContentType?.MediaType);
        using var notJson = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/auth/passkey") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "text/plain") }, TestTopology.RandomClientIp());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        using var forged = await SendAsync(Post("/api/auth/passkey", new { challengeId = new string('a', 32), credential = new { id = "x" } }), TestTopology.RandomClientIp());
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);

        foreach (var body in new object[] { new { email = "x", name = "A", role = "author" }, new { email = "ok@example.com", name = "", role = "author" }, new { email = "ok@example.com", name = "A", role = "king" } })
        {
            using var request = TestTopology.AdminRequest(HttpMethod.Post, "/api/admin/staff", body);
            using var response = await app.Site.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        var me = await app.AdminAsync(HttpMethod.Get, "/api/admin/account");
        using var self = TestTopology.AdminRequest(HttpMethod.Delete, $"/api/admin/staff/{me.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.Conflict, (await app.Site.SendAsync(self)).StatusCode);
        using var twice = TestTopology.AdminRequest(HttpMethod.Post, "/api/admin/staff", new { email = StaffSignIn.OwnerEmail, name = "Again", role = "author" });
        Assert.Equal(HttpStatusCode.Conflict, (await app.Site.SendAsync(twice)).StatusCode);
    }
}
