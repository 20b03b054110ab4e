using MyBlog.Api.Apis;
using MyBlog.Api.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseHeadAsGet();
app.UseRouting();
app.UseCanonicalPaths();
app.UseViewerAddress();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRateLimiter();
app.UseSiteFallback();

app.MapDefaultEndpoints();
app.MapOpenApi("/api/openapi/{documentName}.json");
// A browsable reference of the OpenAPI document; Swagger UI's files ship in the package (nothing from a CDN).
app.UseSwaggerUI(options =>
{
    options.RoutePrefix = "api/reference";
    options.SwaggerEndpoint("/api/openapi/v1.json", "MyBlog API");
    options.DocumentTitle = "MyBlog API reference";
});
app.MapSubscribersApi();
app.MapPostsApi();
app.MapAdminPostsApi();
app.MapAdminPhotosApi();
app.MapAdminImportsApi();
app.MapAdminNewsletterApi();

app.Run();
