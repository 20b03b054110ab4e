using Microsoft.Extensions.Options;

namespace MyBlog.LocalAws.Replication;

/// <summary>
/// The inbound half of replication (another region's changes, applied last-writer-wins) and its status page:
/// <c>GET /replication</c> shows, per peer, how many changes it applied and dropped (an earlier writer's), the last change's lag and any error;
/// <c>POST /replication/{peer}/pause</c> and <c>/resume</c> hold this region's outbound changes to a peer, as a cut
/// link between two regions would.
/// </summary>
public static class ReplicationApi
{
    public static void MapReplicationApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/replication/changes", async (List<ReplicatedChange> changes, ReplicationLedger ledger, CancellationToken ct) =>
        {
            int applied = 0, dropped = 0;
            foreach (var change in changes)
            {
                if (await ledger.ApplyAsync(change, ct))
                {
                    applied++;
                }
                else
                {
                    dropped++;
                }
            }
            return Results.Ok(new ApplyResult(applied, dropped));
        });

        app.MapGet("/replication", (ReplicationShipper shipper, IOptions<ReplicationOptions> options) => Results.Ok(new
        {
            region = options.Value.Region,
            lag = options.Value.Lag,
            peers = shipper.Peers.ToDictionary(p => p.Key, p => new
            {
                applied = p.Value.Applied,
                dropped = p.Value.Dropped,
                lastShippedAt = p.Value.LastShippedAt,
                lastLagMs = p.Value.LastLag?.TotalMilliseconds,
                lastError = p.Value.LastError,
                paused = p.Value.Paused,
            }),
        }));

        app.MapPost("/replication/{peer}/{action:regex(^(pause|resume)$)}", (string peer, string action, ReplicationShipper shipper) =>
        {
            if (!shipper.Peers.TryGetValue(peer, out var status))
            {
                return Results.Problem(statusCode: 404, title: $"No replication to a region named {peer}.");
            }
            status.Paused = action == "pause";
            return Results.NoContent();
        });
    }
}
