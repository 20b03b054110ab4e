using MyBlog.Core;
using MyBlog.Workers.Publishing;

namespace MyBlog.Workers.Handlers;

/// <summary>
/// <c>POST /events/site-deployment</c>: CloudFormation's request for the stack's site resource, sent to a function of
/// its own → the whole site rebuilt with the code just deployed, and the answer PUT to CloudFormation
/// (<see cref="SiteDeployment"/>).
/// </summary>
public static class SiteDeploymentHandler
{
    public static IEndpointRouteBuilder MapSiteDeploymentHandler(this IEndpointRouteBuilder app)
    {
        app.MapPost(Deployments.SitePath, HandleAsync)
            .WithName("SiteDeployment")
            .WithSummary("CloudFormation custom resource request (each deploy) → the site rebuilt; answers CloudFormation's response URL.");
        return app;
    }

    public static async Task<IResult> HandleAsync(CloudFormationRequest request, SiteDeployment deployment, CancellationToken ct) =>
        string.IsNullOrEmpty(request.RequestType) || string.IsNullOrEmpty(request.ResponseURL) || string.IsNullOrEmpty(request.RequestId)
            ? TypedResults.Problem(statusCode: 400, title: "Not a CloudFormation request",
                detail: "A custom resource request has a RequestType, a ResponseURL and a RequestId.")
            : !deployment.IsResponseUrl(request.ResponseURL)
                ? TypedResults.Problem(statusCode: 400, title: "Not CloudFormation's response URL",
                    detail: "The answer goes only to CloudFormation's own response bucket (https://cloudformation-custom-resource-response-….s3….amazonaws.com).")
                : TypedResults.Ok(await deployment.RespondAsync(request, ct));
}
