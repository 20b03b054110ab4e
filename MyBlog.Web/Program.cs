using MyBlog.Web.Edge;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddEdge();

var app = builder.Build();
app.UseSecurityHeaders();
app.UseRouting();
app.UseOutputCache();

app.MapDefaultEndpoints();
app.MapReverseProxy().CacheOutput(ApiCachePolicy.Name);
app.MapInvalidationsApi();
app.MapMethods("/{**path}", ["GET", "HEAD"], (HttpContext context, SiteEdge edge) => edge.HandleAsync(context));

app.Run();
