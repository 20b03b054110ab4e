using MyBlog.Api.Newsletter;
using MyBlog.Api.Photos;
using MyBlog.Api.Posts;
using MyBlog.Api.Site;
using MyBlog.Api.Subscribers;
using MyBlog.Api.Uploads;
using MyBlog.Core;
using MyBlog.Core.Authors;
using MyBlog.Core.Imports;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;

namespace MyBlog.Api.Hosting;

internal static class ApiServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MyBlogOptions>().BindConfiguration(MyBlogOptions.Section).ValidatedBy(new MyBlogOptionsValidator());

        builder.AddDynamoDbClient();
        builder.Services.AddOptions<WelcomeOptions>().BindConfiguration(WelcomeOptions.Section).ValidatedBy(new WelcomeOptionsValidator());
        builder.Services.AddSingleton<SubscriberStore>();
        builder.Services.AddSingleton<SubscriberDirectory>();
        builder.Services.AddSingleton<SubscriberErasure>();
        builder.Services.AddSingleton<SubscriberTally>();
        builder.Services.AddSingleton<MyBlog.Core.Settings.SettingsStore>();
        builder.Services.AddSingleton<PostStore>();
        builder.Services.AddSingleton<PublishedTags>();
        builder.Services.AddSingleton<PhotoStore>();
        // The API uses S3 to presign uploads (on AWS through the uploads bucket's accelerate endpoint) and to read
        // the site's pages when CloudFront falls back to it.
        builder.AddS3Client(transferAcceleration: builder.Configuration.GetValue<bool>("Uploads:TransferAcceleration"));
        builder.Services.AddOptions<BucketOptions>().BindConfiguration(BucketOptions.Section);
        builder.Services.AddOptions<UploadOptions>().BindConfiguration(UploadOptions.Section);
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
        builder.Services.AddSingleton<MyBlog.Core.Staff.StaffStore>();
        builder.Services.AddSingleton<MyBlog.Core.Staff.StaffSessions>();
        builder.Services.AddSingleton<MyBlog.Core.Staff.SignInLinks>();
        builder.Services.AddSingleton<MyBlog.Core.Staff.PasskeyStore>();
        builder.Services.AddSingleton<MyBlog.Api.Staff.Passkeys>();
        builder.Services.AddSingleton<MyBlog.Api.Staff.StaffAuth>();

        builder.Services.AddProblemDefaults();
        // Bodies the results write (TypedResults.Ok and the like) use the generated JSON code first.
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJson.Default));
        builder.Services.AddOpenApi(options => options.AddApiContract());

        // Who the reader is comes from the edge's own header, proven by its origin secret (ViewerAddress).
        builder.Services.AddOptions<EdgeOriginOptions>().BindConfiguration(EdgeOriginOptions.Section);
    }
}

internal static class ApiReference
{
    /// <summary>
    /// The OpenAPI document, and a browsable reference of it (Swagger UI's files ship in the package: nothing from a CDN).
    /// </summary>
    public static void MapApiReference(this WebApplication app)
    {
        app.MapOpenApi("/api/openapi/{documentName}.json");
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "api/reference";
            options.SwaggerEndpoint("/api/openapi/v1.json", "MyBlog API");
            options.DocumentTitle = "MyBlog API reference";
        });
    }
}
