using Microsoft.Extensions.DependencyInjection.Extensions;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Hosting;
using MyBlog.Workers.Mail;
using MyBlog.Workers.Subscribers;

namespace MyBlog.Workers.Newsletter;

public static class NewsletterServices
{
    /// <summary>The planner: a job's confirmed subscribers, queued in batches (the planner's and the sweep's).</summary>
    public static void AddNewsletterPlanning(this IHostApplicationBuilder builder)
    {
        if (!builder.FirstTime("newsletter-planning"))
        {
            return;
        }
        builder.AddSubscribers();
        builder.AddSqsClient();
        builder.AddNewsletterOptions();
        builder.Services.TryAddSingleton<NewsletterStore>();
        builder.Services.AddSingleton<NewsletterPlanner>();
    }

    /// <summary>The sender: a batch's emails, each with its own unsubscribe link.</summary>
    public static void AddNewsletterSending(this IHostApplicationBuilder builder)
    {
        if (!builder.FirstTime("newsletter-sending"))
        {
            return;
        }
        builder.AddMail();
        builder.AddNewsletterOptions();
        builder.Services.AddOptions<SubscriberLinkOptions>().BindConfiguration(SubscriberLinkOptions.Section).ValidatedBy(new SubscriberLinkOptionsValidator());
        builder.Services.AddSingleton<SubscriberLinks>();
        builder.Services.TryAddSingleton<NewsletterStore>();
        builder.Services.TryAddSingleton<PostStore>();
        builder.Services.TryAddSingleton<PhotoStore>();
        builder.Services.AddSingleton<NewsletterSender>();
    }

    private static void AddNewsletterOptions(this IHostApplicationBuilder builder)
    {
        if (builder.FirstTime("newsletter-options"))
        {
            builder.Services.AddOptions<NewsletterOptions>().BindConfiguration(NewsletterOptions.Section).ValidatedBy(new NewsletterOptionsValidator());
        }
    }
}
