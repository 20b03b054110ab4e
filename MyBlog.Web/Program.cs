using MyBlog.Web.Edge;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddEdge();
if (Environment.GetEnvironmentVariable(EdgeExtensions.InlineCompletions) == "1")
{
    // Started with socket completions inline (the AppHost does), each socket event thread also runs the requests of
    // its connections, as an nginx worker does: no hand-over to the thread pool per request. Safe here because
    // nothing the edge runs blocks a thread — every wait is awaited.
    builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
}

var app = builder.Build();
app.UseSecurityHeaders();
app.UseRouting();
app.UseOutputCache();

app.MapDefaultEndpoints();
app.MapReverseProxy().CacheOutput(ApiCachePolicy.Name);
app.MapInvalidationsApi();
app.MapMethods("/{**path}", ["GET", "HEAD"], (HttpContext context, SiteEdge edge) => edge.HandleAsync(context));

app.Run();
