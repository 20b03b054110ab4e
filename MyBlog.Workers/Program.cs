using MyBlog.Workers.Extensions;
using MyBlog.Workers.Handlers;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapWelcomeMailHandler();
app.MapWelcomeSweepHandler();
app.MapPublishHandler();
app.MapThumbnailsHandler();

app.Run();
