using MyBlog.Web.Edge;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddEdge();

var app = builder.Build();
app.UseSecurityHeaders();
app.UseDefaultFiles();
app.UseStaticFiles();

app.MapDefaultEndpoints();
app.MapReverseProxy();

app.Run();
