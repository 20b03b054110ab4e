using System.Diagnostics;
using MyBlog.Api.Hosting;

namespace MyBlog.Tests.Support;

/// <summary>A reader of the posts API through the edge, asking which region answered.</summary>
public static class EdgeReader
{
    /// <summary>
    /// Reads through <paramref name="site"/> past its cache until <paramref name="region"/> answers; how long that
    /// took, or null if not within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<TimeSpan?> ServedByAsync(HttpClient site, string region, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            // A reader who waits two seconds and asks again: a request the edge sent to a lost region can be held
            // there until the origin timeout (a stopped service's address may still accept connections), and only
            // its retry goes elsewhere.
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                using var response = await site.GetAsync($"/api/posts?probe={Guid.NewGuid():N}", read.Token);
                if (response.Headers.TryGetValues(ServingRegion.Header, out var served) && served.Single() == region)
                {
                    return waited.Elapsed;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || ex is OperationCanceledException && read.IsCancellationRequested)
            {
                // A request in flight when the region went, held by it, or with no region to send it to yet.
            }
            await Task.Delay(100);
        }
        return null;
    }
}
