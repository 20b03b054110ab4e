using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;
using MimeKit;
using MyBlog.Core;
using MyBlog.Core.Imports;
using MyBlog.Workers.Imports;
using MyBlog.Core.Mail;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Subscribers;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Site.Building;
using MyBlog.Workers.Handlers;
using MyBlog.Workers.Mail;
using MyBlog.Workers.Newsletter;
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

        if (handlers.Serves(EventHandlers.WelcomeMail, EventHandlers.WelcomeSweep, EventHandlers.NewsletterSend))
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
        // The sweep is the second path for every mail debt: owed welcomes, and newsletters whose planner stopped.
        if (handlers.Serves(EventHandlers.NewsletterPlan, EventHandlers.WelcomeSweep))
        {
            builder.AddNewsletterPlanning();
        }
        if (handlers.Serves(EventHandlers.NewsletterSend))
        {
            builder.AddNewsletterSending();
        }
        if (handlers.Serves(EventHandlers.MailFeedback))
        {
            builder.AddSubscribers();
        }
        if (handlers.Serves(EventHandlers.PublishDue))
        {
            builder.Services.TryAddSingleton<PostStore>();
        }
        if (handlers.Serves(EventHandlers.Imports))
        {
            builder.AddImports();
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
        if (handlers.Serves(EventHandlers.NewsletterPlan))
        {
            app.MapNewsletterPlanHandler();
        }
        if (handlers.Serves(EventHandlers.NewsletterSend))
        {
            app.MapNewsletterSendHandler();
        }
        if (handlers.Serves(EventHandlers.PublishDue))
        {
            app.MapPublishDueHandler();
        }
        if (handlers.Serves(EventHandlers.Imports))
        {
            app.MapImportsHandler();
        }
        if (handlers.Serves(EventHandlers.MailFeedback))
        {
            app.MapMailFeedbackHandler();
        }
    }

    private static void AddSubscribers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WelcomeOptions>().BindConfiguration(WelcomeOptions.Section).ValidatedBy(new WelcomeOptionsValidator());
        builder.Services.AddOptions<SubscriberIdOptions>().BindConfiguration(SubscriberIdOptions.Section).ValidatedBy(new SubscriberIdOptionsValidator());
        builder.Services.TryAddSingleton<SubscriberIds>();
        builder.Services.TryAddSingleton<SubscriberStore>();
    }

    private static void AddNewsletterPlanning(this IHostApplicationBuilder builder)
    {
        builder.AddSubscribers();
        builder.AddSqsClient();
        builder.Services.AddOptions<NewsletterOptions>().BindConfiguration(NewsletterOptions.Section).ValidatedBy(new NewsletterOptionsValidator());
        builder.Services.TryAddSingleton<NewsletterStore>();
        builder.Services.AddSingleton<NewsletterPlanner>();
    }

    private static void AddNewsletterSending(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NewsletterOptions>().BindConfiguration(NewsletterOptions.Section).ValidatedBy(new NewsletterOptionsValidator());
        builder.Services.AddOptions<SubscriberLinkOptions>().BindConfiguration(SubscriberLinkOptions.Section).ValidatedBy(new SubscriberLinkOptionsValidator());
        builder.Services.AddSingleton<SubscriberLinks>();
        builder.Services.TryAddSingleton<NewsletterStore>();
        builder.Services.TryAddSingleton<PostStore>();
        builder.Services.TryAddSingleton<PhotoStore>();
        builder.Services.AddSingleton<NewsletterSender>();
    }

    private static void AddMail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section).ValidatedBy(new MailOptionsValidator());
        builder.AddSubscribers();
        builder.Services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsFitTheLease>();
        builder.Services.TryAddSingleton<MailPace>();
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
        builder.Services.TryAddSingleton<PostStore>();
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

    private static void AddImports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PhotosOptions>().BindConfiguration(PhotosOptions.Section);
        builder.AddS3Client();
        builder.Services.TryAddSingleton<PostStore>();
        builder.Services.TryAddSingleton<PhotoStore>();
        builder.Services.TryAddSingleton<ImportStore>();
        builder.Services.TryAddSingleton<ThumbnailGenerator>();
        builder.Services.AddSingleton<ArchiveImporter>();
    }

    private static void AddThumbnails(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PhotosOptions>().BindConfiguration(PhotosOptions.Section);
        builder.AddS3Client();
        builder.Services.TryAddSingleton<PhotoStore>();
        builder.Services.TryAddSingleton<ThumbnailGenerator>();
        builder.Services.AddSingleton<PhotoProcessor>();
    }
}
