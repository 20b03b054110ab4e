using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;
using MimeKit;
using MyBlog.Core;
using MyBlog.Core.Mail;
using MyBlog.Core.Subscribers;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Site.Building;
using MyBlog.Workers.Mail;
using MyBlog.Workers.Publishing;
using MyBlog.Workers.Thumbnails;

namespace MyBlog.Workers.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<MyBlogOptions>(MyBlogOptions.Section);
        builder.AddValidatedOptions<MailOptions>(MailOptions.Section);
        builder.AddValidatedOptions<WelcomeOptions>(WelcomeOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsFitTheLease>();

        builder.AddDynamoDbClient();
        builder.Services.AddProblemDefaults();
        builder.Services.AddSingleton<SubscriberStore>();
        builder.Services.AddSingleton<MailPace>();
        builder.Services.AddSingleton<IMailSender, SmtpMailSender>();
        builder.Services.AddSingleton(sp =>
        {
            var mail = sp.GetRequiredService<IOptions<MailOptions>>().Value;
            return new MailboxAddress(mail.FromName, mail.FromAddress);
        });
        builder.Services.AddSingleton<WelcomeMailer>();
        builder.Services.AddSingleton<WelcomeSweep>();
        // The sweep runs every minute (every few seconds locally) and mostly finds nothing: its request is not
        // traced. What it does send joins the trace of the subscribe request that owed it (WelcomeMailer).
        builder.Services.Configure<AspNetCoreTraceInstrumentationOptions>(options =>
        {
            var traced = options.Filter;
            options.Filter = context => !context.Request.Path.StartsWithSegments(Schedules.WelcomeSweep.Path) && (traced?.Invoke(context) ?? true);
        });

        builder.AddValidatedOptions<PublishingOptions>(PublishingOptions.Section);
        builder.AddS3Client();
        builder.Services.AddSingleton<PostStore>();
        builder.Services.AddSingleton(sp =>
        {
            var site = sp.GetRequiredService<IOptions<MyBlogOptions>>().Value;
            return new SiteBuilder(new SiteRenderer(), new SiteInfo(site.SiteName, site.SiteUri, SiteAssets.Load()));
        });
        builder.Services.AddSingleton<SiteBucket>();
        if (string.IsNullOrEmpty(builder.Configuration["Publishing:DistributionId"]))
        {
            builder.Services.AddHttpClient<IEdgeInvalidator, LocalEdgeInvalidator>();
        }
        else
        {
            builder.Services.AddHttpClient<IEdgeInvalidator, CloudFrontInvalidator>();
        }
        builder.Services.AddSingleton<PublishLock>();
        builder.Services.AddSingleton<SitePublisher>();
        builder.Services.AddHttpClient<SiteDeployment>();
        if (builder.Configuration.GetValue("Publishing:BuildOnStart", defaultValue: true))
        {
            builder.Services.AddSingleton<SiteBootstrapper>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<SiteBootstrapper>());
            builder.Services.AddHealthChecks().AddCheck<SiteBootstrapper>("site");
        }

        builder.AddValidatedOptions<PhotosOptions>(PhotosOptions.Section);
        builder.Services.AddSingleton<PhotoStore>();
        builder.Services.AddSingleton<ThumbnailGenerator>();
        builder.Services.AddSingleton<PhotoProcessor>();
    }
}
