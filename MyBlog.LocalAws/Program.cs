using MyBlog.LocalAws.Delivery;
using MyBlog.LocalAws.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapFailuresApi();

app.Run();
