using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using MyBlog.Api.Hosting;
using MyBlog.Core.Staff;

namespace MyBlog.Api.Staff;

public sealed record StaffInvite(string? Email, string? Name, string? Role);

public sealed record StaffList(IReadOnlyList<StaffDto> Items);

public sealed record StaffRoleChange(string? Role);

public sealed record SessionDto(string Id, string Via, string Agent, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, bool Current);

public sealed record SessionList(IReadOnlyList<SessionDto> Items);

public sealed record ApiKeyRequest(string? Name);

public sealed record ApiKeyDto(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>A new key with its value — the only time the value is shown.</summary>
public sealed record NewApiKeyDto(string Id, string Name, string Key, DateTimeOffset CreatedAt);

public sealed record ApiKeyList(IReadOnlyList<ApiKeyDto> Items);

public sealed record PasskeyRegistration(string? ChallengeId, string? Name, JsonElement Credential);

public sealed record PasskeyDto(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

public sealed record PasskeyList(IReadOnlyList<PasskeyDto> Items);

/// <summary>
/// The staff (for owners: invite, list, remove) and each person's own account: their sessions, API keys and passkeys,
/// each listed and revocable one by one.
/// </summary>
public static class AdminStaffApi
{
    private const int MaxBodyBytes = 16 * 1024;
    public const int MaxKeyNameLength = 100;

    public static IEndpointRouteBuilder MapAdminStaffApi(this IEndpointRouteBuilder app)
    {
        var staff = app.MapAdminGroup("/api/admin/staff", StaffRole.Owner);
        staff.MapGet("/", ListStaffAsync).WithName("ListStaff").WithSummary("Everyone on the staff, invited or signed in.");
        staff.MapPost("/", InviteAsync).Accepts<StaffInvite>("application/json").WithName("InviteStaff")
            .WithSummary("Invite a person as an owner or an author: they get an email with a sign-in link (valid 7 days).");
        staff.MapPost("/{staffId}/invitation", ResendInvitationAsync).WithName("ResendInvitation")
            .WithSummary("Send a person who has not signed in yet a new invitation: a new link, valid 7 days (one email a minute at most).");
        staff.MapPut("/{staffId}/role", SetRoleAsync).Accepts<StaffRoleChange>("application/json").WithName("SetStaffRole")
            .WithSummary("Make a person an owner or an author; it applies to their very next request.");
        staff.MapDelete("/{staffId}", RemoveAsync).WithName("RemoveStaff")
            .WithSummary("Remove a person: their sessions, API keys and passkeys stop working at once.");

        var account = app.MapAdminGroup("/api/admin/account");
        account.MapGet("/", Me).WithName("GetAccount").WithSummary("Who you are signed in as.");
        account.MapGet("/sessions", SessionsAsync).WithName("ListSessions").WithSummary("Your signed-in browsers.");
        account.MapDelete("/sessions/{sessionId}", RevokeSessionAsync).WithName("RevokeSession").WithSummary("Sign one of your browsers out, at once.");
        account.MapGet("/keys", KeysAsync).WithName("ListApiKeys").WithSummary("Your API keys (their values are shown only when made).");
        account.MapPost("/keys", CreateKeyAsync).Accepts<ApiKeyRequest>("application/json").WithName("CreateApiKey")
            .WithSummary("A new API key for scripts and tools, named; its value is in this answer only.");
        account.MapDelete("/keys/{keyId}", RevokeKeyAsync).WithName("RevokeApiKey").WithSummary("Revoke one of your API keys, at once.");
        account.MapGet("/passkeys", PasskeysAsync).WithName("ListPasskeys").WithSummary("Your passkeys.");
        account.MapPost("/passkeys/options", PasskeyOptionsAsync).WithName("PasskeyRegistrationOptions")
            .WithSummary("A challenge for a new passkey (for navigator.credentials.create).");
        account.MapPost("/passkeys", AddPasskeyAsync).Accepts<PasskeyRegistration>("application/json").WithName("AddPasskey")
            .WithSummary("Keep a new passkey from the browser's answer to its challenge.");
        account.MapDelete("/passkeys/{passkeyId}", RemovePasskeyAsync).WithName("RemovePasskey").WithSummary("Remove one of your passkeys.");
        return app;
    }

    public static async Task<Ok<StaffList>> ListStaffAsync(StaffStore staff, CancellationToken ct) =>
        TypedResults.Ok(new StaffList([.. (await staff.ListAsync(ct)).Select(StaffDto.From)]));

    public static async Task<Results<Created<StaffDto>, ValidationProblem, ProblemHttpResult>> InviteAsync(
        HttpContext http, StaffStore staff, SignInLinks links, CancellationToken ct)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(http.Request, MaxBodyBytes, """{"email": "grace@example.com", "name": "Grace", "role": "author"}""", ApiJson.Default.StaffInvite, ct);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        var email = SignInApi.StaffAddress(body!.Email, errors);
        var name = SignInApi.PersonName(body.Name, errors);
        if (!StaffRoles.TryParse(body.Role ?? "author", out var role))
        {
            errors["role"] = ["The role is 'owner' or 'author'."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The invitation is not valid");
        }
        var owner = StaffAuth.Caller(http).Person;
        if (await staff.InviteAsync(email!, name!, role, owner.Name, ct) is not { } person)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already on the staff",
                detail: "Someone on the staff already has that address.");
        }
        await links.RequestAsync(person.Email, SignInMailKind.Invite, owner.Name, ct);
        return TypedResults.Created($"/api/admin/staff/{person.Id}", StaffDto.From(person));
    }

    /// <summary>
    /// A new invitation for someone invited who has not signed in (the first email lost, or its link expired). Someone
    /// who has signed in gets no invitation: they sign in with their passkey or an emailed link like anyone on the staff.
    /// </summary>
    public static async Task<Results<Accepted<StaffDto>, ProblemHttpResult>> ResendInvitationAsync(
        HttpContext http, string staffId, StaffStore staff, SignInLinks links, CancellationToken ct)
    {
        if (!StaffSecrets.IsId(staffId) || await staff.GetAsync(staffId, ct) is not { } person)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not on the staff", detail: "Nobody on the staff has that id.");
        }
        if (person.SignedInAt is not null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already signed in",
                detail: $"{person.Name} has signed in before: they sign in with their passkey or ask for a link by email on the sign-in page.");
        }
        await links.RequestAsync(person.Email, SignInMailKind.Invite, StaffAuth.Caller(http).Person.Name, ct);
        return TypedResults.Accepted($"/api/admin/staff/{person.Id}", StaffDto.From(person));
    }

    public static async Task<Results<Ok<StaffDto>, ValidationProblem, ProblemHttpResult>> SetRoleAsync(
        HttpContext http, string staffId, StaffStore staff, CancellationToken ct)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(http.Request, MaxBodyBytes, """{"role": "owner"}""", ApiJson.Default.StaffRoleChange, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (!StaffRoles.TryParse(body!.Role, out var role))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = ["The role is 'owner' or 'author'."] }, title: "The role is not valid");
        }
        if (StaffAuth.Caller(http).Person.Id == staffId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "You cannot change your own role",
                detail: "A blog always keeps an owner: another owner can change yours.");
        }
        if (!StaffSecrets.IsId(staffId) || !await staff.SetRoleAsync(staffId, role, ct) || await staff.GetAsync(staffId, ct) is not { } person)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not on the staff", detail: "Nobody on the staff has that id.");
        }
        return TypedResults.Ok(StaffDto.From(person));
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RemoveAsync(HttpContext http, string staffId, StaffStore staff, CancellationToken ct)
    {
        if (StaffAuth.Caller(http).Person.Id == staffId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "You cannot remove yourself",
                detail: "A blog always keeps an owner: another owner can remove you.");
        }
        if (!StaffSecrets.IsId(staffId) || await staff.GetAsync(staffId, ct) is not { } person)
        {
            return TypedResults.NotFound();
        }
        await staff.RemoveAsync(person, ct);
        return TypedResults.NoContent();
    }

    public static Ok<StaffDto> Me(HttpContext http) => TypedResults.Ok(StaffDto.From(StaffAuth.Caller(http).Person));

    public static async Task<Ok<SessionList>> SessionsAsync(HttpContext http, StaffSessions sessions, CancellationToken ct)
    {
        var caller = StaffAuth.Caller(http);
        var list = await sessions.SessionsAsync(caller.Person.Id, ct);
        return TypedResults.Ok(new SessionList([.. list.Select(s => new SessionDto(
            s.Id, s.Via.ToString(), s.Agent, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.Id == caller.Session?.Id))]));
    }

    public static async Task<Results<NoContent, NotFound>> RevokeSessionAsync(HttpContext http, string sessionId, StaffSessions sessions, CancellationToken ct) =>
        StaffSecrets.IsId(sessionId) && await sessions.RevokeSessionAsync(StaffAuth.Caller(http).Person.Id, sessionId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Ok<ApiKeyList>> KeysAsync(HttpContext http, StaffSessions sessions, CancellationToken ct) =>
        TypedResults.Ok(new ApiKeyList([.. (await sessions.KeysAsync(StaffAuth.Caller(http).Person.Id, ct)).Select(k => new ApiKeyDto(k.Id, k.Name, k.CreatedAt, k.LastUsedAt))]));

    public static async Task<Results<Created<NewApiKeyDto>, ValidationProblem, ProblemHttpResult>> CreateKeyAsync(HttpContext http, StaffSessions sessions, CancellationToken ct)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(http.Request, MaxBodyBytes, """{"name": "import script"}""", ApiJson.Default.ApiKeyRequest, ct);
        if (problem is not null)
        {
            return problem;
        }
        var name = body!.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxKeyNameLength || name.Any(char.IsControl))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [$"A key needs a name: 1 to {MaxKeyNameLength} characters, no line breaks."] },
                title: "The key is not valid");
        }
        var (value, key) = await sessions.CreateKeyAsync(StaffAuth.Caller(http).Person.Id, name, ct);
        return TypedResults.Created($"/api/admin/account/keys/{key.Id}", new NewApiKeyDto(key.Id, key.Name, value, key.CreatedAt));
    }

    public static async Task<Results<NoContent, NotFound>> RevokeKeyAsync(HttpContext http, string keyId, StaffSessions sessions, CancellationToken ct) =>
        StaffSecrets.IsId(keyId) && await sessions.RevokeKeyAsync(StaffAuth.Caller(http).Person.Id, keyId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Ok<PasskeyList>> PasskeysAsync(HttpContext http, PasskeyStore passkeys, CancellationToken ct) =>
        TypedResults.Ok(new PasskeyList([.. (await passkeys.ListAsync(StaffAuth.Caller(http).Person.Id, ct)).Select(p => new PasskeyDto(p.CredentialId, p.Name, p.CreatedAt, p.LastUsedAt))]));

    public static async Task<Ok<PasskeyChallengeDto>> PasskeyOptionsAsync(HttpContext http, Passkeys passkeys, CancellationToken ct)
    {
        var (id, options) = await passkeys.RegistrationOptionsAsync(StaffAuth.Caller(http).Person, ct);
        return TypedResults.Ok(new PasskeyChallengeDto(id, options));
    }

    public static async Task<Results<Created<PasskeyDto>, ValidationProblem, ProblemHttpResult>> AddPasskeyAsync(HttpContext http, Passkeys passkeys, CancellationToken ct)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(http.Request, MaxBodyBytes, """{"challengeId": "…", "name": "Laptop", "credential": {}}""", ApiJson.Default.PasskeyRegistration, ct);
        if (problem is not null)
        {
            return problem;
        }
        var name = string.IsNullOrWhiteSpace(body!.Name) ? "Passkey" : body.Name.Trim();
        if (name.Length > MaxKeyNameLength || name.Any(char.IsControl))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [$"A passkey's name is at most {MaxKeyNameLength} characters, no line breaks."] },
                title: "The passkey is not valid");
        }
        var (passkey, refused) = await passkeys.RegisterAsync(StaffAuth.Caller(http).Person, body.ChallengeId, name, body.Credential, ct);
        if (passkey is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The passkey was not added", detail: refused);
        }
        return TypedResults.Created($"/api/admin/account/passkeys/{passkey.CredentialId}", new PasskeyDto(passkey.CredentialId, passkey.Name, passkey.CreatedAt, null));
    }

    public static async Task<Results<NoContent, NotFound>> RemovePasskeyAsync(HttpContext http, string passkeyId, PasskeyStore passkeys, CancellationToken ct) =>
        passkeyId.Length is > 0 and <= 1400 && await passkeys.RemoveAsync(StaffAuth.Caller(http).Person.Id, passkeyId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
}
