using MyBlog.Api.Apis;
using MyBlog.Api.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapOpenApi("/api/openapi/{documentName}.json");
app.MapSubscribersApi();
app.MapPostsApi();
app.MapAdminPostsApi();

app.Run();
