using System.Globalization;
using System.Threading.RateLimiting;
using AmazonServiceException = Amazon.Runtime.AmazonServiceException;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace MyBlog.Api.Extensions;

/// <summary>
/// Turns whatever escapes a handler into problem+json with a useful status: a malformed request is the client's
/// (4xx), storage that cannot be reached is temporary (503 with Retry-After). Never a stack trace to a client.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger)
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

    public static async ValueTask WriteTooManyRequestsAsync(OnRejectedContext rejected, CancellationToken ct)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"Too many subscribe requests from your address. Please try again in {seconds} seconds.",
            },
        });
    }
}
