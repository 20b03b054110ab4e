using MyBlog.Workers.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
var handlers = builder.AddWorkerHandlers();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapWorkerHandlers(handlers);

app.Run();
