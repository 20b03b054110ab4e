using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using MyBlog.Api.Hosting;
using MyBlog.Core;
using MyBlog.Core.Staff;

namespace MyBlog.Api.Staff;

/// <summary>
/// Guards <c>/api/admin/*</c>. A browser proves itself with its session cookie (HttpOnly, SameSite=Strict, Secure on
/// https) and, for every request that changes something, the session's CSRF token in <see cref="CsrfHeader"/> — which
/// a page on another site can neither read nor send — and an <c>Origin</c>, when the browser gives one, that is the
/// site's own. A script proves itself with one of its person's API keys (<c>Authorization: Bearer myblog_…</c>), which
/// no browser sends by itself, so it needs no CSRF token. Every request reads the session or key and the person
/// afresh: a revoked session, a revoked key or a removed person is refused on the very next request.
/// More than <see cref="FailuresPerMinute"/> refused credentials a minute from one client answer 429, so keys and
/// cookies cannot be guessed at speed (a right one still works: an attacker cannot lock the staff out).
/// </summary>
public sealed class StaffAuth(StaffSessions sessions, IOptions<MyBlogOptions> site) : IDisposable
{
    public const int FailuresPerMinute = 10;
    public const string CsrfHeader = "X-MyBlog-CSRF";
    private const string CallerItem = "myblog.staff";

    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = FailuresPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>The person making the request, as the filter found them (only inside an admin route).</summary>
    public static StaffCaller Caller(HttpContext http) =>
        http.Items[CallerItem] as StaffCaller ?? throw new InvalidOperationException("Not an admin route: no caller was authenticated.");

    /// <summary>The caller of a request, from its API key or its session cookie; null for none or a wrong one.</summary>
    public async Task<StaffCaller?> AuthenticateAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return await sessions.ResolveKeyAsync(header["Bearer ".Length..].Trim(), http.RequestAborted);
        }
        return http.Request.Cookies.TryGetValue(SessionCookie.Name(site.Value), out var cookie)
            ? await sessions.ResolveSessionAsync(cookie, http.RequestAborted)
            : null;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, StaffRole needs)
    {
        var http = context.HttpContext;
        http.Response.Headers.CacheControl = "no-store";
        if (await AuthenticateAsync(http) is not { } caller)
        {
            using var lease = _failures.AttemptAcquire(ClientPartition.Of(http));
            if (!lease.IsAcquired)
            {
                var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed sign-ins",
                    detail: "Too many requests with a wrong session or API key. Wait a minute and try again.");
            }
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"MyBlog admin\"";
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign in first",
                detail: "The admin API needs a signed-in session (sign in at /admin/) or one of your API keys as 'Authorization: Bearer myblog_…'.");
        }
        if (caller.Session is not null && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
            && CrossSiteProblem(http, caller.Csrf) is { } refused)
        {
            return refused;
        }
        if (caller.Person.Role < needs)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not for your role",
                detail: $"Only the blog's {StaffRoles.Name(needs)}s may do this; you are one of its {StaffRoles.Name(caller.Person.Role)}s.");
        }
        http.Items[CallerItem] = caller;
        return await next(context);
    }

    /// <summary>
    /// Why a cookie-borne request that changes something is refused: it came from another site (its Origin or
    /// Sec-Fetch-Site says so), or it lacks the session's CSRF token. Null when it may go on.
    /// </summary>
    public IResult? CrossSiteProblem(HttpContext http, string? csrf)
    {
        var given = http.Request.Headers[CsrfHeader].ToString();
        if (IsFromElsewhere(http) || csrf is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(csrf)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Refused: not from the editor",
                detail: $"A change made with a session must come from this site's editor with the session's {CsrfHeader} header. " +
                        "Scripts use an API key instead.");
        }
        return null;
    }

    /// <summary>
    /// Whether the browser says the request comes from another site's page: <c>Sec-Fetch-Site</c> (which no page can
    /// set) says cross-site or same-site, or an <c>Origin</c> that is not the site's own — unless the browser vouches
    /// that it is the very origin the request went to (the same edge reached by another of its names).
    /// </summary>
    public bool IsFromElsewhere(HttpContext http)
    {
        var headers = http.Request.Headers;
        var fetchSite = headers["Sec-Fetch-Site"].ToString();
        var origin = headers.Origin.ToString();
        return fetchSite is "cross-site" or "same-site"
            || (origin.Length > 0 && fetchSite != "same-origin" && !string.Equals(origin, SiteOrigin, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The site's own origin (scheme, host and port), as a browser names it in <c>Origin</c>.</summary>
    public string SiteOrigin => site.Value.SiteUri.GetLeftPart(UriPartial.Authority);

    public void Dispose() => _failures.Dispose();
}

/// <summary>
/// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), for the whole
/// site. On https — always, behind CloudFront — it is Secure and named with the <c>__Host-</c> prefix, which browsers
/// accept only from a secure origin with no Domain and path /, so no subdomain can plant or shadow it. Local
/// development on http://localhost cannot set a Secure cookie everywhere, so there it is plain.
/// </summary>
public static class SessionCookie
{
    public static string Name(MyBlogOptions site) => IsSecure(site) ? "__Host-myblog-session" : "myblog-session";

    private static bool IsSecure(MyBlogOptions site) => site.SiteUri.Scheme == Uri.UriSchemeHttps;

    public static void Write(HttpResponse response, MyBlogOptions site, string value) =>
        response.Cookies.Append(Name(site), value, Options(site, StaffSessions.AgeLimit));

    public static void Clear(HttpResponse response, MyBlogOptions site) =>
        response.Cookies.Append(Name(site), "", Options(site, TimeSpan.Zero));

    public static CookieOptions Options(MyBlogOptions site, TimeSpan maxAge) => new()
    {
        HttpOnly = true,
        Secure = IsSecure(site),
        SameSite = SameSiteMode.Strict,
        Path = "/",
        MaxAge = maxAge,
        IsEssential = true,
    };
}

public static class AdminRoutes
{
    /// <summary>
    /// A route group under <c>/api/admin</c> for people of at least the role <paramref name="needs"/>, guarded by the
    /// one shared <see cref="StaffAuth"/> (it holds the failure counters).
    /// </summary>
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder app, string prefix, StaffRole needs = StaffRole.Author)
    {
        var auth = app.ServiceProvider.GetRequiredService<StaffAuth>();
        return app.MapGroup(prefix)
            .WithTags("Admin")
            .AddEndpointFilter((context, next) => auth.InvokeAsync(context, next, needs))
            .DisableAntiforgery();
    }
}
