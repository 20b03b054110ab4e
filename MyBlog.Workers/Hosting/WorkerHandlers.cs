using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Storage;

namespace MyBlog.Workers.Hosting;

/// <summary>
/// The handlers this process serves. On AWS each function runs one, named by <see cref="AwsFunctions.HandlerKey"/>
/// (the stack sets it), and composes only what that handler uses: the welcome mailer never loads the site's renderer
/// or ImageSharp, and starts the faster for it. Locally one process serves them all.
/// </summary>
public static class WorkerHandlers
{
    /// <summary>Every handler in this assembly, one per worker function of the table.</summary>
    public static IReadOnlyList<IWorkerHandler> All { get; } = typeof(WorkerHandlers).Assembly.GetTypes()
        .Where(type => type is { IsClass: true, IsAbstract: false } && typeof(IWorkerHandler).IsAssignableFrom(type))
        .Select(type => (IWorkerHandler)Activator.CreateInstance(type)!)
        .OrderBy(handler => handler.Function.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>The one handler <see cref="AwsFunctions.HandlerKey"/> names, or all of them when it names none.</summary>
    public static IReadOnlyList<IWorkerHandler> Served(IConfiguration configuration)
    {
        var one = configuration[AwsFunctions.HandlerKey];
        if (string.IsNullOrEmpty(one))
        {
            return All;
        }
        return All.FirstOrDefault(handler => handler.Function.Name == one) is { } served
            ? [served]
            : throw new InvalidOperationException(
                $"{AwsFunctions.HandlerKey} '{one}' is none of {string.Join(", ", All.Select(h => h.Function.Name))}.");
    }

    /// <summary>What every handler needs, then each served handler's own services.</summary>
    public static IReadOnlyList<IWorkerHandler> AddWorkerHandlers(this IHostApplicationBuilder builder)
    {
        var served = Served(builder.Configuration);
        builder.Services.AddOptions<MyBlogOptions>().BindConfiguration(MyBlogOptions.Section).ValidatedBy(new MyBlogOptionsValidator());
        builder.AddDynamoDbClient();
        builder.Services.AddProblemDefaults();
        foreach (var handler in served)
        {
            handler.AddServices(builder);
        }
        return served;
    }

    public static void MapWorkerHandlers(this IEndpointRouteBuilder app, IReadOnlyList<IWorkerHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            handler.Map(app).WithName(handler.Function.ConstructId);
        }
    }

    /// <summary>
    /// True the first time a feature's services are added to <paramref name="builder"/>: several handlers share a
    /// feature (the welcome mailer, the sweep and the newsletter's sender all send mail), and each adds it.
    /// </summary>
    public static bool FirstTime(this IHostApplicationBuilder builder, string feature) =>
        builder.Properties.TryAdd("MyBlog.Workers.Feature:" + feature, true);
}

public static class BucketServices
{
    /// <summary>S3 and the buckets' names.</summary>
    public static void AddBuckets(this IHostApplicationBuilder builder)
    {
        if (builder.FirstTime("buckets"))
        {
            builder.Services.AddOptions<MyBlog.Core.Storage.BucketOptions>().BindConfiguration(MyBlog.Core.Storage.BucketOptions.Section);
            builder.AddS3Client();
        }
    }
}
