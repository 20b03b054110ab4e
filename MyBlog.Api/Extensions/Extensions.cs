using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using MyBlog.Api.Apis;
using MyBlog.Core;
using MyBlog.Core.Subscribers;

namespace MyBlog.Api.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MyBlogOptions>()
            .BindConfiguration(MyBlogOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddDynamoDbClient();
        builder.Services.AddSingleton<SubscriberStore>();

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi();

        // The API sits behind the edge (locally) or CloudFront + API Gateway (AWS); the client is in X-Forwarded-For.
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);

        builder.Services.AddRateLimiter(options =>
        {
            options.AddPolicy(SubscribersApi.RateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = SubscribersApi.SubscribesPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
            options.OnRejected = ProblemExceptionHandler.WriteTooManyRequestsAsync;
        });
    }
}
