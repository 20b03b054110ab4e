using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using MyBlog.Core.Authors;

namespace MyBlog.Api.Hosting;

/// <summary>
/// Guards <c>/api/admin/*</c>: <c>Authorization: Bearer &lt;token&gt;</c>, compared in constant time. Wrong or
/// missing tokens answer 401; more than <see cref="FailuresPerMinute"/> failures a minute from one client answer
/// 429, so the token cannot be guessed at speed (a right token still works: an attacker cannot lock the author out).
/// </summary>
public sealed class AdminAuth(IOptions<AdminOptions> options) : IEndpointFilter, IDisposable
{
    public const int FailuresPerMinute = 10;

    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = FailuresPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (IsAuthorized(http.Request.Headers.Authorization.ToString()))
        {
            return await next(context);
        }

        using var lease = _failures.AttemptAcquire(ClientPartition.Of(http));
        if (!lease.IsAcquired)
        {
            var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed sign-ins",
                detail: "Too many requests with a wrong admin token. Wait a minute and try again.");
        }
        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"MyBlog admin\"";
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "The admin API needs the header 'Authorization: Bearer <admin token>'.");
    }

    private bool IsAuthorized(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        // Hashing first gives equal-length inputs, so the comparison time says nothing about the token.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Token));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    public void Dispose() => _failures.Dispose();
}

public static class AdminRoutes
{
    /// <summary>A route group under <c>/api/admin</c> guarded by the one shared <see cref="AdminAuth"/> (it holds the failure counters).</summary>
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder app, string prefix) =>
        app.MapGroup(prefix)
            .WithTags("Admin")
            .AddEndpointFilter(app.ServiceProvider.GetRequiredService<AdminAuth>())
            .DisableAntiforgery();
}
