using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using MyBlog.Web.Edge;

namespace MyBlog.Tests.Unit;

/// <summary>
/// The edge's hot path in front of the server: a page it holds fresh is answered from the request's own features, and
/// every other request reaches the application exactly once, created, run and disposed as the server would do it.
/// </summary>
public sealed class ServeFromMemoryServerTests
{
    private readonly EdgeCache cache = new(Options.Create(new EdgeOptions()));
    private readonly RecordingServer server = new();
    private readonly Application application = new();

    public ServeFromMemoryServerTests()
    {
        // The bucket is never asked: every answer here is either held or the application's.
        var s3 = new AmazonS3Client(new AnonymousAWSCredentials(), new AmazonS3Config { ServiceURL = "http://127.0.0.1:9" });
        var edge = new SiteEdge(s3, cache, Options.Create(new EdgeOptions()), Options.Create(new BucketOptions()), NullLogger<SiteEdge>.Instance);
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        new ServeFromMemoryServer(server, edge, meters).StartAsync(application, CancellationToken.None).GetAwaiter().GetResult();
    }

    private static CachedObject Page(string html, TimeSpan ttl) =>
        new(Encoding.UTF8.GetBytes(html), "text/html; charset=utf-8", "public, max-age=0, s-maxage=60", "\"v1\"", ttl);

    [Fact]
    public async Task A_page_held_fresh_is_answered_without_the_application()
    {
        cache.Set("posts/hello/index.html", Page("<p>hello</p>", TimeSpan.FromMinutes(1)));

        var (response, body) = await server.SendAsync("GET", "/posts/hello/");

        Assert.Equal((200, "<p>hello</p>"), (response.StatusCode, body));
        Assert.Equal(("\"v1\"", "text/html; charset=utf-8", "nosniff", "DENY"),
            (response.Headers.ETag.ToString(), response.Headers.ContentType.ToString(), response.Headers.XContentTypeOptions.ToString(), response.Headers.XFrameOptions.ToString()));
        Assert.Equal(EdgeExtensions.ContentSecurityPolicy, response.Headers.ContentSecurityPolicy.ToString());
        Assert.Equal(0, application.Created);

        var (head, headBody) = await server.SendAsync("HEAD", "/posts/hello/");
        Assert.Equal((200, "", 12L), (head.StatusCode, headBody, head.Headers.ContentLength));
        var (notModified, _) = await server.SendAsync("GET", "/posts/hello/", ("If-None-Match", "W/\"v1\""));
        Assert.Equal(304, notModified.StatusCode);
        Assert.Equal(0, application.Created);
    }

    [Theory]
    [InlineData("GET", "/posts/missing/")] // not held
    [InlineData("POST", "/posts/hello/")] // not a read
    [InlineData("GET", "/posts/stale/")] // held, no longer fresh: the whole way revalidates it
    [InlineData("GET", "/posts/moved/")] // an old address: the whole way redirects
    [InlineData("GET", "/posts/hello")] // no slash: the whole way adds it
    [InlineData("GET", "/api/posts/")] // the API's, even if a page were held under it
    [InlineData("GET", "/admin/")] // the editor's own policy
    [InlineData("GET", "//posts/hello/")] // not a path of the site
    public async Task Anything_else_reaches_the_application_once(string method, string path)
    {
        cache.Set("posts/hello/index.html", Page("<p>hello</p>", TimeSpan.FromMinutes(1)));
        cache.Set("posts/stale/index.html", Page("<p>old</p>", TimeSpan.Zero));
        cache.Set("posts/moved/index.html", new CachedObject([], "text/html", null, "\"r\"", TimeSpan.FromMinutes(1)) { RedirectTo = "/posts/hello/" });
        cache.Set("api/posts/index.html", Page("<p>not the API</p>", TimeSpan.FromMinutes(1)));
        cache.Set("admin/index.html", Page("<p>editor</p>", TimeSpan.FromMinutes(1)));

        var (response, body) = await server.SendAsync(method, path);

        Assert.Equal((418, "the application"), (response.StatusCode, body));
        Assert.Equal((1, 1, 1), (application.Created, application.Processed, application.Disposed));
    }

    /// <summary>Stands in for Kestrel: one request's features, created, processed and disposed in that order.</summary>
    private sealed class RecordingServer : IServer
    {
        private Func<IFeatureCollection, Task>? run;

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull
        {
            run = async features =>
            {
                var context = application.CreateContext(features);
                try
                {
                    await application.ProcessRequestAsync(context);
                }
                finally
                {
                    application.DisposeContext(context, null);
                }
            };
            return Task.CompletedTask;
        }

        public async Task<(IHttpResponseFeature Response, string Body)> SendAsync(string method, string path, params (string Name, string Value)[] headers)
        {
            var request = new HttpRequestFeature { Method = method, Path = path, Protocol = "HTTP/1.1" };
            foreach (var (name, value) in headers)
            {
                request.Headers[name] = value;
            }
            var body = new MemoryStream();
            var features = new FeatureCollection();
            features.Set<IHttpRequestFeature>(request);
            features.Set<IHttpResponseFeature>(new HttpResponseFeature());
            features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(body));
            await run!(features);
            await features.GetRequiredFeature<IHttpResponseBodyFeature>().CompleteAsync();
            return (features.GetRequiredFeature<IHttpResponseFeature>(), Encoding.UTF8.GetString(body.ToArray()));
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    /// <summary>The application behind the hot path: answers 418 so its answers cannot pass for the edge's.</summary>
    private sealed class Application : IHttpApplication<IFeatureCollection>
    {
        public int Created, Processed, Disposed;

        public IFeatureCollection CreateContext(IFeatureCollection contextFeatures)
        {
            Created++;
            return contextFeatures;
        }

        public async Task ProcessRequestAsync(IFeatureCollection context)
        {
            Processed++;
            context.GetRequiredFeature<IHttpResponseFeature>().StatusCode = 418;
            await context.GetRequiredFeature<IHttpResponseBodyFeature>().Writer.WriteAsync(Encoding.UTF8.GetBytes("the application"));
        }

        public void DisposeContext(IFeatureCollection context, Exception? exception) => Disposed++;
    }
}
