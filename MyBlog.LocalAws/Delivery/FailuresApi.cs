namespace MyBlog.LocalAws.Delivery;

/// <summary>Lets a developer (or a test) inspect what the on-failure destination received.</summary>
public static class FailuresApi
{
    public static IEndpointRouteBuilder MapFailuresApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/failures", (OnFailureDestination destination) => TypedResults.Ok(destination.Entries))
            .WithName("OnFailureDestination")
            .WithSummary("Batches whose retries were exhausted, as Lambda's on-failure invocation records.");
        return app;
    }
}
