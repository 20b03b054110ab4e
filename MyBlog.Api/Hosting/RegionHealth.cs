using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Storage;

namespace MyBlog.Api.Hosting;

/// <summary>
/// Whether this region can serve: what decides, with no person involved, which region a request goes to (Route 53's
/// health checks on AWS, the edge's locally). <c>/health</c> says only that the process is up — the Lambda Web
/// Adapter's readiness probe, which must not wait on anything else — while a region whose table does not answer
/// cannot take a single write. So <c>/health/region</c> also reads one item of the region's table, within two
/// seconds, and answers 503 when it cannot. Like <c>/health</c>, it needs no origin secret: the checkers send none.
/// </summary>
public static class RegionHealth
{
    public const string Path = HealthPaths.Region;

    public static readonly TimeSpan TableTimeout = HealthPaths.RegionTableTimeout;

    /// <summary>An item nobody writes: reading it costs half a read unit, found or not.</summary>
    private static readonly Dictionary<string, AttributeValue> ProbeKey = new()
    {
        [MyBlogTable.PartitionKey] = new() { S = "HEALTH" },
        [MyBlogTable.SortKey] = new() { S = "HEALTH" },
    };

    public static IEndpointRouteBuilder MapRegionHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> site, HttpResponse response, CancellationToken ct) =>
        {
            response.Headers.CacheControl = "no-store";
            var (healthy, detail) = await CheckAsync(dynamo, site.Value.TableName, ct);
            return healthy
                ? Results.Text("Healthy", "text/plain")
                : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "This region cannot serve", detail: detail);
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>Reads the probe item; any answer from the table (found or not) is healthy.</summary>
    public static async Task<(bool Healthy, string Detail)> CheckAsync(IAmazonDynamoDB dynamo, string tableName, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TableTimeout);
        try
        {
            await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = ProbeKey }, timeout.Token);
            return (true, "The table answered.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"The table did not answer within {TableTimeout.TotalSeconds:0} s.");
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or System.Net.Sockets.SocketException)
        {
            return (false, $"The table did not answer: {ex.GetType().Name}.");
        }
    }
}
