using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using MyBlog.Api.Apis;
using MyBlog.Api.Scheduling;
using MyBlog.Core;
using MyBlog.Core.Imports;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Subscribers;

namespace MyBlog.Api.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MyBlogOptions>().BindConfiguration(MyBlogOptions.Section).ValidatedBy(new MyBlogOptionsValidator());

        builder.AddDynamoDbClient();
        builder.Services.AddOptions<WelcomeOptions>().BindConfiguration(WelcomeOptions.Section).ValidatedBy(new WelcomeOptionsValidator());
        builder.Services.AddSingleton<SubscriberStore>();
        builder.Services.AddSingleton<PostStore>();
        builder.Services.AddSingleton<PublishedTags>();
        builder.Services.AddSingleton<PhotoStore>();
        // The API uses S3 only to presign photo uploads: in AWS mode through the uploads bucket's accelerate endpoint.
        builder.AddS3Client(transferAcceleration: builder.Configuration.GetValue<bool>("Photos:TransferAcceleration"));
        builder.Services.AddOptions<PhotosOptions>().BindConfiguration(PhotosOptions.Section);
        builder.Services.AddSingleton<UploadUrlSigner>();
        builder.Services.AddSingleton<ImportStore>();
        builder.Services.AddOptions<SiteFallbackOptions>().BindConfiguration(SiteFallbackOptions.Section);
        builder.Services.AddSingleton<SiteFallbackClient>();
        builder.Services.AddSingleton<PostsCache>();
        builder.Services.AddSingleton<NewsletterStore>();
        builder.AddSqsClient();
        builder.Services.AddOptions<NewsletterQueueOptions>().BindConfiguration(NewsletterQueueOptions.Section);
        builder.Services.AddOptions<SubscriberIdOptions>().BindConfiguration(SubscriberIdOptions.Section).ValidatedBy(new SubscriberIdOptionsValidator());
        builder.Services.AddOptions<SubscriberLinkOptions>().BindConfiguration(SubscriberLinkOptions.Section).ValidatedBy(new SubscriberLinkOptionsValidator());
        builder.Services.AddSingleton<SubscriberIds>();
        builder.Services.AddSingleton<SubscriberLinks>();
        builder.Services.AddOptions<SubscribeChallengeOptions>().BindConfiguration(SubscribeChallengeOptions.Section).ValidatedBy(new SubscribeChallengeOptionsValidator());
        builder.Services.AddSingleton<SubscribeChallenge>();
        builder.Services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.Section);
        builder.Services.AddHttpClient<PublishScheduler>();

        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidatedBy(new AdminOptionsValidator());
        builder.Services.AddSingleton<AdminAuth>();

        builder.Services.AddProblemDefaults();
        // Bodies the results write (TypedResults.Ok and the like) use the generated JSON code first.
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJson.Default));
        // Readers reach the API through the edge (or CloudFront): the document names no host of its own.
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Servers = [new() { Url = "/" }];
            return Task.CompletedTask;
        }));

        // Who the reader is comes from the edge's own header, proven by its origin secret (ViewerAddress).
        builder.Services.AddOptions<EdgeOriginOptions>().BindConfiguration(EdgeOriginOptions.Section);

        builder.Services.AddRateLimiter(options =>
        {
            options.AddPolicy(SubscribersApi.RateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                ClientPartition.Of(context),
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = SubscribersApi.SubscribesPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
            options.OnRejected = TooManyRequests.WriteAsync;
        });
    }
}
