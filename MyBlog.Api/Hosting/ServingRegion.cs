namespace MyBlog.Api.Hosting;

/// <summary>
/// Every answer says which region's stack made it (<c>X-MyBlog-Region</c>), as CloudFront's answers name the edge
/// that served them: with a stack in several regions, a reader's report or a test can tell which one answered.
/// </summary>
public static class ServingRegion
{
    public const string Header = "X-MyBlog-Region";

    public static IApplicationBuilder UseServingRegion(this IApplicationBuilder app)
    {
        var configuration = app.ApplicationServices.GetRequiredService<IConfiguration>();
        var region = configuration["MyBlog:Region"] ?? configuration["AWS_REGION"];
        if (string.IsNullOrEmpty(region))
        {
            return app;
        }
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[Header] = region;
                return Task.CompletedTask;
            });
            return next(context);
        });
    }
}
