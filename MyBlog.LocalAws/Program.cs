using MyBlog.LocalAws.Delivery;
using MyBlog.LocalAws.Hosting;
using MyBlog.LocalAws.Mail;
using MyBlog.LocalAws.Queues;
using MyBlog.LocalAws.Replication;
using MyBlog.LocalAws.Scheduler;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapFailuresApi();
app.MapS3NotificationsApi();
app.MapQueuesApi();
app.MapSqsApi();
app.MapRecurringSchedulesApi();
app.MapEventBridgeSchedulerApi();
app.MapSesApi();
app.MapReplicationApi();

app.Run();
