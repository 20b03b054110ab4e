using Microsoft.Extensions.DependencyInjection.Extensions;
using MyBlog.Aws.Functions;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Hosting;
using MyBlog.Workers.Mail;
using OpenTelemetry.Instrumentation.AspNetCore;

namespace MyBlog.Workers.Subscribers;

public static class SubscriberServices
{
    /// <summary>The subscribers' store and the ids it keys them by.</summary>
    public static void AddSubscribers(this IHostApplicationBuilder builder)
    {
        if (!builder.FirstTime("subscribers"))
        {
            return;
        }
        builder.Services.AddOptions<WelcomeOptions>().BindConfiguration(WelcomeOptions.Section).ValidatedBy(new WelcomeOptionsValidator());
        builder.Services.AddOptions<SubscriberIdOptions>().BindConfiguration(SubscriberIdOptions.Section).ValidatedBy(new SubscriberIdOptionsValidator());
        builder.Services.TryAddSingleton<SubscriberIds>();
        builder.Services.TryAddSingleton<SubscriberStore>();
    }

    /// <summary>Welcome emails: the mailer (one claimed send) and the sweep (every owed one that is due).</summary>
    public static void AddWelcomeMail(this IHostApplicationBuilder builder)
    {
        if (!builder.FirstTime("welcome-mail"))
        {
            return;
        }
        builder.AddSubscribers();
        builder.AddMail();
        builder.Services.AddSingleton<WelcomeMailer>();
        builder.Services.AddSingleton<WelcomeSweep>();
        builder.Services.TryAddSingleton<MyBlog.Core.Regions.RegionPresence>();
        // The sweep runs every minute (every few seconds locally) and mostly finds nothing: its request is not
        // traced. What it does send joins the trace of the subscribe request that owed it (WelcomeMailer).
        builder.Services.Configure<AspNetCoreTraceInstrumentationOptions>(options =>
        {
            var traced = options.Filter;
            options.Filter = context => !context.Request.Path.StartsWithSegments(AwsFunctions.WelcomeSweep.Path) && (traced?.Invoke(context) ?? true);
        });
    }
}
