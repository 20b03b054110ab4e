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
        using var response = await http.PostAsJsonAsync(new Uri(new Uri(edge), "/_edge/invalidations"), new { paths }, ct);
        response.EnsureSuccessStatusCode();
        logger.LogInformation("Invalidated {Count} path(s) at the edge", paths.Count);
    }
}
