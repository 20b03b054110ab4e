using MyBlog.Aws.Functions;
using MyBlog.Workers.Hosting;

namespace MyBlog.Workers.Publishing;

/// <summary>
/// CloudFormation's request for the stack's site resource, sent to a function of
/// its own → the whole site rebuilt with the code just deployed, and the answer PUT to CloudFormation
/// (<see cref="SiteDeployment"/>).
/// </summary>
public sealed class SiteDeploymentHandler : IWorkerHandler
{
    public FunctionDeclaration Function => AwsFunctions.SiteDeployment;

    public void AddServices(IHostApplicationBuilder builder) => builder.AddPublishing(buildOnStart: false);

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("CloudFormation custom resource request (each deploy) → the site rebuilt; answers CloudFormation's response URL.");

    public static async Task<IResult> HandleAsync(CloudFormationRequest request, SiteDeployment deployment, CancellationToken ct) =>
        string.IsNullOrEmpty(request.RequestType) || string.IsNullOrEmpty(request.ResponseURL) || string.IsNullOrEmpty(request.RequestId)
            ? TypedResults.Problem(statusCode: 400, title: "Not a CloudFormation request",
                detail: "A custom resource request has a RequestType, a ResponseURL and a RequestId.")
            : !deployment.IsResponseUrl(request.ResponseURL)
                ? TypedResults.Problem(statusCode: 400, title: "Not CloudFormation's response URL",
                    detail: "The answer goes only to CloudFormation's own response bucket (https://cloudformation-custom-resource-response-….s3….amazonaws.com).")
                : TypedResults.Ok(await deployment.RespondAsync(request, ct));
}
