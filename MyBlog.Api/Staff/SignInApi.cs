using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MyBlog.Api.Hosting;
using MyBlog.Core;
using MyBlog.Core.Authors;
using MyBlog.Core.Staff;
using MyBlog.Core.Subscribers;

namespace MyBlog.Api.Staff;

public sealed record StaffDto(string Id, string Email, string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset? SignedInAt, string? InvitedBy)
{
    public static StaffDto From(StaffMember p) => new(p.Id, p.Email, p.Name, StaffRoles.Name(p.Role), p.CreatedAt, p.SignedInAt, p.InvitedBy);
}

/// <summary>Where the browser stands: signed in (as whom, with the CSRF token its changes must carry) or not, and whether the blog has an owner yet.</summary>
public sealed record SignInStateDto(bool SignedIn, bool SetUp, StaffDto? Staff, string? Csrf);

public sealed record SetupRequest(string? SetupCode, string? Email, string? Name);

public sealed record EmailLinkRequest(string? Email);

public sealed record EmailLinkRedeem(string? Token);

public sealed record SignInAccepted(string Message);

public sealed record PasskeyChallengeDto(string ChallengeId, JsonElement Options);

public sealed record PasskeySignIn(string? ChallengeId, JsonElement Credential);

/// <summary>
/// Signing in: the one-time setup of the first owner, a passkey, or a link by email; signing out. Every attempt from
/// one client counts against <see cref="AttemptsPerMinute"/>; no answer says whether an address belongs to anyone.
/// </summary>
public static class SignInApi
{
    public const int AttemptsPerMinute = 10;
    private const int MaxBodyBytes = 16 * 1024;
    private const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapSignInApi(this IEndpointRouteBuilder app)
    {
        var time = app.ServiceProvider.GetRequiredService<TimeProvider>();
        var group = app.MapGroup("/api/auth").WithTags("Sign-in").DisableAntiforgery();
        group.MapGet("/session", StateAsync).WithName("GetSignInState").WithSummary("Whether this browser is signed in, as whom, and whether the blog has an owner yet.");
        var attempts = group.MapGroup("").AddEndpointFilter(new ReaderQuota("sign-in", AttemptsPerMinute, TimeSpan.FromMinutes(1), time));
        attempts.MapPost("/setup", SetUpAsync).Accepts<SetupRequest>("application/json").WithName("SetUp")
            .WithSummary("Make the blog's first owner with the setup code (once; afterwards it answers 409) and sign them in.");
        attempts.MapPost("/email-link", RequestLinkAsync).Accepts<EmailLinkRequest>("application/json").WithName("RequestSignInLink")
            .WithSummary("Email a one-time sign-in link to this address if it belongs to someone on the staff. The answer is the same either way.");
        attempts.MapPost("/email-link/redeem", RedeemLinkAsync).Accepts<EmailLinkRedeem>("application/json").WithName("RedeemSignInLink")
            .WithSummary("Sign in with the token of an emailed link (once, within 15 minutes).");
        attempts.MapPost("/passkey/options", PasskeyOptionsAsync).WithName("PasskeySignInOptions")
            .WithSummary("A challenge for signing in with a passkey (for navigator.credentials.get).");
        attempts.MapPost("/passkey", PasskeySignInAsync).Accepts<PasskeySignIn>("application/json").WithName("SignInWithPasskey")
            .WithSummary("Sign in with the browser's answer to a passkey challenge.");
        group.MapPost("/sign-out", SignOutAsync).WithName("SignOut").WithSummary("End this browser's session.");
        return app;
    }

    public static async Task<Ok<SignInStateDto>> StateAsync(HttpContext http, StaffAuth auth, StaffStore staff, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        var caller = http.Request.Headers.Authorization.Count == 0 ? await auth.AuthenticateAsync(http) : null;
        return caller?.Session is null
            ? TypedResults.Ok(new SignInStateDto(false, await staff.IsSetUpAsync(ct), null, null))
            : TypedResults.Ok(new SignInStateDto(true, true, StaffDto.From(caller.Person), caller.Csrf));
    }

    public static async Task<Results<Created<SignInStateDto>, ValidationProblem, ProblemHttpResult>> SetUpAsync(
        HttpContext http, StaffAuth auth, StaffStore staff, StaffSessions sessions, IOptions<AdminOptions> admin, IOptions<MyBlogOptions> site, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        var (body, problem) = await RequestBody.ReadJsonAsync(http.Request, MaxBodyBytes, """{"setupCode": "…", "email": "me@example.com", "name": "Ada"}""", ApiJson.Default.SetupRequest, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (CrossSite(http, auth) is { } refused)
        {
            return refused;
        }
        var errors = new Dictionary<string, string[]>();
        var email = StaffAddress(body!.Email, errors);
        var name = PersonName(body.Name, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The setup is not valid");
        }
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(body.SetupCode ?? ""));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(admin.Value.SetupCode));
        if (!CryptographicOperations.FixedTimeEquals(given, expected))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Wrong setup code",
                detail: "That is not the blog's setup code (the setup-code parameter the blog was deployed with).");
        }
        if (await staff.SetUpAsync(email!, name!, ct) is not { } owner)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already set up",
                detail: "This blog already has its owner; sign in, or ask the owner for an invitation.");
        }
        var (cookie, _, csrf) = await sessions.StartAsync(owner, SignInMethod.Setup, http.Request.Headers.UserAgent, ct);
        SessionCookie.Write(http.Response, site.Value, cookie);
        return TypedResults.Created("/api/auth/session", new SignInStateDto(true, true, StaffDto.From(owner), csrf));
    }

    public static async Task<Results<Accepted<SignInAccepted>, ValidationProblem, ProblemHttpResult>> RequestLinkAsync(
        HttpContext http, StaffAuth auth, SignInLinks links, CancellationToken ct)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(http.Request, MaxBodyBytes, """{"email": "me@example.com"}""", ApiJson.Default.EmailLinkRequest, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (CrossSite(http, auth) is { } refused)
        {
            return refused;
        }
        var errors = new Dictionary<string, string[]>();
        if (StaffAddress(body!.Email, errors) is not { } email)
        {
            return TypedResults.ValidationProblem(errors, title: "The address is not valid");
        }
        // The same single write for every address: the answer and its timing say nothing about who has an account.
        await links.RequestAsync(email, SignInMailKind.SignIn, null, ct);
        return TypedResults.Accepted("/api/auth/session", new SignInAccepted(
            "If that address belongs to someone on this blog's staff, a sign-in link is on its way. It works once, for 15 minutes."));
    }

    public static async Task<Results<Ok<SignInStateDto>, ProblemHttpResult>> RedeemLinkAsync(
        HttpContext http, StaffAuth auth, SignInLinks links, StaffStore staff, StaffSessions sessions, IOptions<MyBlogOptions> site, CancellationToken ct)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(http.Request, MaxBodyBytes, """{"token": "…"}""", ApiJson.Default.EmailLinkRedeem, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (CrossSite(http, auth) is { } refused)
        {
            return refused;
        }
        var staffId = await links.RedeemAsync(body!.Token, ct);
        var person = staffId is null ? null : await staff.GetAsync(staffId, ct);
        if (person is null)
        {
            return NotSignedIn("That sign-in link is not valid any more: links work once, for 15 minutes. Ask for a new one.");
        }
        return await SignInAsync(http, person, SignInMethod.EmailLink, sessions, site.Value, ct);
    }

    public static async Task<Results<Ok<PasskeyChallengeDto>, ProblemHttpResult>> PasskeyOptionsAsync(HttpContext http, StaffAuth auth, Passkeys passkeys, CancellationToken ct)
    {
        if (CrossSite(http, auth) is { } refused)
        {
            return refused;
        }
        http.Response.Headers.CacheControl = "no-store";
        var (id, options) = await passkeys.SignInOptionsAsync(ct);
        return TypedResults.Ok(new PasskeyChallengeDto(id, options));
    }

    public static async Task<Results<Ok<SignInStateDto>, ProblemHttpResult>> PasskeySignInAsync(
        HttpContext http, StaffAuth auth, Passkeys passkeys, StaffStore staff, StaffSessions sessions, IOptions<MyBlogOptions> site, CancellationToken ct)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(http.Request, MaxBodyBytes, """{"challengeId": "…", "credential": {}}""", ApiJson.Default.PasskeySignIn, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (CrossSite(http, auth) is { } refused)
        {
            return refused;
        }
        var staffId = await passkeys.SignInAsync(body!.ChallengeId, body.Credential, ct);
        var person = staffId is null ? null : await staff.GetAsync(staffId, ct);
        if (person is null)
        {
            return NotSignedIn("That passkey did not sign you in. Try again, or ask for a link by email.");
        }
        return await SignInAsync(http, person, SignInMethod.Passkey, sessions, site.Value, ct);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> SignOutAsync(HttpContext http, StaffAuth auth, StaffSessions sessions, IOptions<MyBlogOptions> site, CancellationToken ct)
    {
        if (await auth.AuthenticateAsync(http) is { Session: { } session } caller)
        {
            if (auth.CrossSiteProblem(http, caller.Csrf) is not null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Refused: not from the editor",
                    detail: $"Signing out needs the session's {StaffAuth.CsrfHeader} header.");
            }
            await sessions.RevokeSessionAsync(session.StaffId, session.Id, ct);
        }
        SessionCookie.Clear(http.Response, site.Value);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SignInStateDto>, ProblemHttpResult>> SignInAsync(
        HttpContext http, StaffMember person, SignInMethod via, StaffSessions sessions, MyBlogOptions site, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        var (cookie, _, csrf) = await sessions.StartAsync(person, via, http.Request.Headers.UserAgent, ct);
        SessionCookie.Write(http.Response, site, cookie);
        return TypedResults.Ok(new SignInStateDto(true, true, StaffDto.From(person), csrf));
    }

    private static ProblemHttpResult NotSignedIn(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in", detail: detail);

    /// <summary>
    /// Signing in from another site's page is refused too (it would sign the victim's browser into the attacker's
    /// account: login CSRF); browsers name the page's origin on every such request.
    /// </summary>
    private static ProblemHttpResult? CrossSite(HttpContext http, StaffAuth auth) =>
        auth.IsFromElsewhere(http)
            ? TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Refused: not from this site",
                detail: "Signing in is possible only from this site's own pages.")
            : null;

    /// <summary>A staff address as stored: checked as subscribers' are, then lower-cased (one person, one address).</summary>
    public static string? StaffAddress(string? text, Dictionary<string, string[]> errors)
    {
        if (!EmailAddress.TryParse(text, out var email, out var error))
        {
            errors["email"] = [error];
            return null;
        }
        return email.Value.ToLowerInvariant();
    }

    public static string? PersonName(string? text, Dictionary<string, string[]> errors)
    {
        var name = text?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            errors["name"] = [$"A name is required: 1 to {MaxNameLength} characters, no line breaks."];
            return null;
        }
        return name;
    }
}
