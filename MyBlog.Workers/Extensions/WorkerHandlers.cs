using MyBlog.Core;

namespace MyBlog.Workers.Extensions;

/// <summary>
/// Which event handlers a Workers process serves. On AWS each function runs one, named by <c>Workers:Handler</c>
/// (the stack sets it), and composes only what that handler uses: the welcome mailer never loads the site's renderer
/// or ImageSharp, and starts the faster for it. Locally one process serves them all.
/// </summary>
public sealed class WorkerHandlers
{
    private readonly HashSet<string> _served;

    private WorkerHandlers(IEnumerable<string> served) => _served = [.. served];

    public static WorkerHandlers From(IConfiguration configuration)
    {
        var one = configuration[EventHandlers.ConfigurationKey];
        if (string.IsNullOrEmpty(one))
        {
            return new WorkerHandlers(EventHandlers.All);
        }
        return EventHandlers.All.Contains(one)
            ? new WorkerHandlers([one])
            : throw new InvalidOperationException($"Workers:Handler '{one}' is none of {string.Join(", ", EventHandlers.All)}.");
    }

    public bool Serves(params string[] handlers) => handlers.Any(_served.Contains);
}
