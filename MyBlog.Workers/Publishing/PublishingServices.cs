using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Site.Building;
using MyBlog.Workers.Hosting;

namespace MyBlog.Workers.Publishing;

public static class PublishingServices
{
    /// <summary>The publisher (the publish function's and the deploy's), and with <paramref name="buildOnStart"/> the first build of a site never built.</summary>
    public static void AddPublishing(this IHostApplicationBuilder builder, bool buildOnStart)
    {
        if (builder.FirstTime("publishing"))
        {
            builder.Services.AddOptions<PublishingOptions>().BindConfiguration(PublishingOptions.Section).ValidatedBy(new PublishingOptionsValidator());
            builder.AddBuckets();
            builder.Services.TryAddSingleton<PostStore>();
            builder.Services.TryAddSingleton<PhotoStore>();
            builder.Services.TryAddSingleton<Core.Settings.SettingsStore>();
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
        }
        if (buildOnStart && builder.FirstTime("publishing-build-on-start"))
        {
            builder.Services.AddSingleton<SiteBootstrapper>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<SiteBootstrapper>());
            builder.Services.AddHealthChecks().AddCheck<SiteBootstrapper>("site");
        }
    }
}
