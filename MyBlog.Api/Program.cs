using MyBlog.Api.Hosting;
using MyBlog.Api.Imports;
using MyBlog.Api.Newsletter;
using MyBlog.Api.Photos;
using MyBlog.Api.Posts;
using MyBlog.Api.Settings;
using MyBlog.Api.Site;
using MyBlog.Api.Staff;
using MyBlog.Api.Subscribers;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseServingRegion();
app.UseHeadAsGet();
app.UseViewerAddress();
app.UseCachedPostReads();
app.UseRouting();
app.UseCanonicalPaths();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSiteFallback();

app.MapDefaultEndpoints();
app.MapRegionHealth();
app.MapApiReference();
app.MapSignInApi();
app.MapAdminStaffApi();
app.MapSubscribersApi();
app.MapAdminSubscribersApi();
app.MapAdminSettingsApi();
app.MapPostsApi();
app.MapAdminPostsApi();
app.MapAdminPhotosApi();
app.MapAdminImportsApi();
app.MapAdminNewsletterApi();

app.Run();
