using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace MyBlog.Workers.Publishing;

/// <summary>Tells the CDN which paths changed so readers see a publish within seconds.</summary>
public interface IEdgeInvalidator
{
    Task InvalidateAsync(IReadOnlyCollection<string> paths, CancellationToken ct);
}

/// <summary>The local edge's invalidation endpoint (CloudFront's CreateInvalidation plays this part on AWS).</summary>
public sealed class LocalEdgeInvalidator(HttpClient http, IOptions<PublishingOptions> options, ILogger<LocalEdgeInvalidator> logger)
    : IEdgeInvalidator
{
    public async Task InvalidateAsync(IReadOnlyCollection<string> paths, CancellationToken ct)
    {
        if (paths.Count == 0 || options.Value.EdgeUrl is not { Length: > 0 } edge)
        {
            return;
        }
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(new Uri(new Uri(edge), "/_edge/invalidations"), new { paths }, ct);
        }
        catch (HttpRequestException ex) when (ex.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
        {
            // An edge that is not running holds no cache: there is nothing to invalidate.
            logger.LogInformation("The edge is not running; {Count} path(s) need no invalidation", paths.Count);
            return;
        }
        using (response)
        {
            response.EnsureSuccessStatusCode();
        }
        logger.LogInformation("Invalidated {Count} path(s) at the edge", paths.Count);
    }
}
