using MyBlog.Workers.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
var handlers = builder.AddApplicationServices();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapHandlers(handlers);

app.Run();
