using MyBlog.Aws.Events;

namespace MyBlog.Workers.Events;

/// <summary>
/// The items of one batch that did not get done, answered as <c>batchItemFailures</c> so that only they are retried.
/// One rule for every handler: an item whose work throws has failed and the rest go on — unless the invocation itself
/// is being stopped (<paramref name="ct"/>), when the exception ends it and Lambda retries the whole batch.
/// </summary>
public sealed class BatchFailures(ILogger logger, CancellationToken ct)
{
    private readonly List<string> _failed = [];

    public int Count => _failed.Count;

    public void Add(string id) => _failed.Add(id);

    /// <summary>
    /// Runs one item's <paramref name="work"/>, which answers whether the item is done; false, or a throw (logged as
    /// a warning with <paramref name="message"/>), fails the item.
    /// </summary>
    public async Task<bool> RunAsync(string id, Func<CancellationToken, Task<bool>> work, string message, params object?[] args)
    {
        try
        {
            if (await work(ct))
            {
                return true;
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
#pragma warning disable CA2254 // The message is each handler's own constant template.
            logger.LogWarning(ex, message, args);
#pragma warning restore CA2254
        }
        _failed.Add(id);
        return false;
    }

    public BatchResponse Response() => BatchResponse.From(_failed);
}
