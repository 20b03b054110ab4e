using MyBlog.Aws.Functions;

namespace MyBlog.Workers.Hosting;

/// <summary>
/// The entry point of one worker function: which row of <see cref="AwsFunctions"/> it serves, the services its work
/// needs, and its endpoint at the function's path (where the Lambda Web Adapter posts the event). The host finds
/// every implementation itself (<see cref="WorkerHandlers"/>): a new function is its row and this class.
/// </summary>
public interface IWorkerHandler
{
    FunctionDeclaration Function { get; }

    /// <summary>What the handler's work needs; each feature's <c>Add…</c> may be called by several handlers and adds itself once.</summary>
    void AddServices(IHostApplicationBuilder builder);

    /// <summary>The endpoint, at <see cref="FunctionDeclaration.Path"/>.</summary>
    RouteHandlerBuilder Map(IEndpointRouteBuilder app);
}
