using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Storage;
using MyBlog.Site.Building;
using MyBlog.Workers.Publishing;

namespace MyBlog.Benchmarks;

/// <summary>
/// The publish function's full rebuild (a deploy, a template change) of a large blog, on the emulators: the posts
/// are seeded into a table and a site bucket of the benchmark's own, and the rebuild runs in a child process that
/// holds nothing but the publisher — as the function does — so its wall time and peak memory are the publisher's.
/// </summary>
public static class SiteRebuild
{
    public static async Task RunAsync(int count)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MyBlog_AppHost>();
        await using var app = await builder.BuildAsync();
        await app.StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("dynamodb");
        await app.ResourceNotifications.WaitForResourceHealthyAsync("s3");
        var dynamoUrl = app.GetEndpoint("dynamodb", "http").ToString();
        var s3Url = app.GetEndpoint("s3", "http").ToString();
        var name = $"rebuild-{Guid.NewGuid():N}"[..20];

        var clock = Stopwatch.StartNew();
        using var dynamo = Dynamo(dynamoUrl);
        using var s3 = S3(s3Url);
        await dynamo.CreateTableAsync(MyBlogTable.CreateTableRequest(name));
        await s3.PutBucketAsync(name);
        var corpus = Path.Combine(Path.GetTempPath(), $"myblog-corpus-{count}");
        if (!Directory.Exists(corpus) || Directory.EnumerateFiles(corpus).Count() < count)
        {
            Corpus.Write(corpus, count);
        }
        var store = new PostStore(dynamo, Options.Create(new MyBlogOptions { TableName = name }), TimeProvider.System);
        await Parallel.ForEachAsync(Corpus.Read(corpus).Take(count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (post, ct) =>
        {
            new PostInput(post.Title, post.Markdown, post.Tags.ToList(), null).TryValidate(out var valid, out _);
            var created = await store.CreateAsync(valid, null, ct);
            await store.SetStatusAsync(created.Slug, PostStatus.Published, created.Version, null, ct, sendEmail: false);
        });
        Console.WriteLine($"seeded {count} published posts in {clock.Elapsed.TotalSeconds:0} s");

        // The child's managed heap is capped as a 512 MB function's would be (the runtime takes 75% of a container's
        // memory), so a rebuild that only fits a bigger machine fails here rather than on AWS.
        foreach (var run in new[] { "first build (every page new)", "rebuild (nothing changed)" })
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!, ["site-rebuild-child", dynamoUrl, s3Url, name]) { RedirectStandardOutput = true };
            start.Environment["DOTNET_GCHeapHardLimit"] = "0x18000000";
            var child = Process.Start(start)!;
            var output = await child.StandardOutput.ReadToEndAsync();
            await child.WaitForExitAsync();
            Console.WriteLine($"{run}, heap capped at 384 MB: {output.Trim()} (exit {child.ExitCode})");
        }
        await app.StopAsync();
    }

    /// <summary>The child: the publisher as the publish function composes it, one rebuild, then its numbers.</summary>
    public static async Task ChildAsync(string dynamoUrl, string s3Url, string name)
    {
        using var dynamo = Dynamo(dynamoUrl);
        using var s3 = S3(s3Url);
        var site = Options.Create(new MyBlogOptions { TableName = name });
        var publishing = Options.Create(new PublishingOptions());
        await using var renderer = new SiteRenderer();
        var invalidations = new CountingInvalidator();
        var publisher = new SitePublisher(new PostStore(dynamo, site, TimeProvider.System), new PhotoStore(dynamo, site, TimeProvider.System),
            new MyBlog.Core.Settings.SettingsStore(dynamo, site),
            new SiteBuilder(renderer, new SiteInfo("Benchmark blog", new Uri("https://blog.example.com/"), SiteAssets.Load())),
            new SiteBucket(s3, Options.Create(new BucketOptions { Site = name })), invalidations,
            new PublishLock(dynamo, site, Options.Create(new BucketOptions { Site = name }), publishing, TimeProvider.System),
            publishing, NullLogger<SitePublisher>.Instance);

        var clock = Stopwatch.StartNew();
        var result = await publisher.RebuildAsync(CancellationToken.None);
        clock.Stop();
        Console.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s, {result.Rendered} pages rendered, {result.Written} written, " +
            $"{invalidations.Paths} paths to invalidate (CloudFront is sent {(invalidations.Paths > CloudFrontInvalidator.MaxExactPaths ? "one wildcard" : "them")}), " +
            $"peak RSS {PeakRssMb()} MB (load {result.LoadTime.TotalSeconds:0.0} s, render and write {result.RenderTime.TotalSeconds:0.0} s)");
    }

    /// <summary>Counts what would go to CloudFront (the local edge is not part of this measurement).</summary>
    private sealed class CountingInvalidator : IEdgeInvalidator
    {
        public int Paths { get; private set; }

        public Task InvalidateAsync(IReadOnlyCollection<string> paths, CancellationToken ct)
        {
            Paths = paths.Count;
            return Task.CompletedTask;
        }
    }

    private static long PeakRssMb() => PeakMemory.OfSelfKb() is var kb and >= 0 ? kb / 1024 : -1;

    private static AmazonDynamoDBClient Dynamo(string url) => new(new BasicAWSCredentials("S3RVER", "S3RVER"),
        new AmazonDynamoDBConfig { ServiceURL = url, AuthenticationRegion = "us-east-1" });

    private static AmazonS3Client S3(string url) => new(new BasicAWSCredentials("S3RVER", "S3RVER"),
        new AmazonS3Config { ServiceURL = url, AuthenticationRegion = "us-east-1", ForcePathStyle = true });
}
