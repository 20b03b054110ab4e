using MyBlog.Web.Edge;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddEdge();

var app = builder.Build();
app.UseSecurityHeaders();
app.UseDefaultFiles(); // /admin/ → /admin/index.html
app.UseStaticFiles();  // the editor; everything else comes from the site bucket
app.UseRouting();      // after the static files, so the catch-all below does not hide the editor

app.MapDefaultEndpoints();
app.MapReverseProxy();
app.MapInvalidationsApi();
app.MapMethods("/{**path}", ["GET", "HEAD"], (HttpContext context, SiteEdge edge) => edge.HandleAsync(context));

app.Run();
