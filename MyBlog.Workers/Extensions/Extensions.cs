using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;
using MimeKit;
using MyBlog.Core;
using MyBlog.Core.Mail;
using MyBlog.Core.Subscribers;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Site.Building;
using MyBlog.Workers.Handlers;
using MyBlog.Workers.Mail;
using MyBlog.Workers.Publishing;
using MyBlog.Workers.Thumbnails;

namespace MyBlog.Workers.Extensions;

internal static class Extensions
{
    /// <summary>The services of the handlers this process serves (<see cref="WorkerHandlers"/>), and nothing else.</summary>
    public static WorkerHandlers AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var handlers = WorkerHandlers.From(builder.Configuration);
        builder.Services.AddOptions<MyBlogOptions>().BindConfiguration(MyBlogOptions.Section).ValidatedBy(new MyBlogOptionsValidator());
        builder.AddDynamoDbClient();
        builder.Services.AddProblemDefaults();

        if (handlers.Serves(EventHandlers.WelcomeMail, EventHandlers.WelcomeSweep))
        {
            builder.AddMail();
        }
        if (handlers.Serves(EventHandlers.Publish, EventHandlers.SiteDeployment))
        {
            builder.AddPublishing(buildOnStart: handlers.Serves(EventHandlers.Publish)
                && builder.Configuration.GetValue("Publishing:BuildOnStart", defaultValue: true));
        }
        if (handlers.Serves(EventHandlers.Thumbnails))
        {
            builder.AddThumbnails();
        }
        return handlers;
    }

    /// <summary>The endpoints of the handlers this process serves.</summary>
    public static void MapHandlers(this IEndpointRouteBuilder app, WorkerHandlers handlers)
    {
        if (handlers.Serves(EventHandlers.WelcomeMail))
        {
            app.MapWelcomeMailHandler();
        }
        if (handlers.Serves(EventHandlers.WelcomeSweep))
        {
            app.MapWelcomeSweepHandler();
        }
        if (handlers.Serves(EventHandlers.Publish))
        {
            app.MapPublishHandler();
        }
        if (handlers.Serves(EventHandlers.SiteDeployment))
        {
            app.MapSiteDeploymentHandler();
        }
        if (handlers.Serves(EventHandlers.Thumbnails))
        {
            app.MapThumbnailsHandler();
        }
    }

    private static void AddMail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section).ValidatedBy(new MailOptionsValidator());
        builder.Services.AddOptions<WelcomeOptions>().BindConfiguration(WelcomeOptions.Section).ValidatedBy(new WelcomeOptionsValidator());
        builder.Services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsFitTheLease>();
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
    }

    private static void AddPublishing(this IHostApplicationBuilder builder, bool buildOnStart)
    {
        builder.Services.AddOptions<PublishingOptions>().BindConfiguration(PublishingOptions.Section).ValidatedBy(new PublishingOptionsValidator());
        builder.AddS3Client();
        builder.Services.AddSingleton<PostStore>();
        builder.Services.TryAddSingleton<PhotoStore>();
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
        if (buildOnStart)
        {
            builder.Services.AddSingleton<SiteBootstrapper>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<SiteBootstrapper>());
            builder.Services.AddHealthChecks().AddCheck<SiteBootstrapper>("site");
        }
    }

    private static void AddThumbnails(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PhotosOptions>().BindConfiguration(PhotosOptions.Section);
        builder.AddS3Client();
        builder.Services.TryAddSingleton<PhotoStore>();
        builder.Services.AddSingleton<ThumbnailGenerator>();
        builder.Services.AddSingleton<PhotoProcessor>();
    }
}
