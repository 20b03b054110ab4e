using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AmazonServiceException = Amazon.Runtime.AmazonServiceException;

namespace MyBlog.ServiceDefaults;

/// <summary>
/// Turns whatever escapes a handler into problem+json with a useful status: a malformed request is the client's
/// (4xx), storage that cannot be reached is temporary (503 with Retry-After). Never a stack trace to a client.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
            AmazonServiceException or HttpRequestException or TimeoutException =>
                (StatusCodes.Status503ServiceUnavailable, "Service unavailable", "Storage is briefly unavailable. Please try again in a moment."),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error", "Something went wrong on our side. Please try again."),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "Request failed with {Status}", status);
        }
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "5";
        }
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}

public static class ProblemDefaultsExtensions
{
    /// <summary>problem+json for every error response, with this handler for exceptions.</summary>
    public static IServiceCollection AddProblemDefaults(this IServiceCollection services) =>
        services.AddProblemDetails().AddExceptionHandler<ProblemExceptionHandler>();
}
