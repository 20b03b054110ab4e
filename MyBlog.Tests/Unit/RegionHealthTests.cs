using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using MyBlog.Api.Hosting;

namespace MyBlog.Tests.Unit;

/// <summary>A region whose table does not answer is not healthy, and says so within Route 53's check timeout.</summary>
public sealed class RegionHealthTests
{
    private static AmazonDynamoDBClient ClientOf(string url) => new(new BasicAWSCredentials("test", "test"), new AmazonDynamoDBConfig
    {
        ServiceURL = url,
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 0,
    });

    [Fact]
    public async Task A_table_that_refuses_connections_makes_the_region_unhealthy()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nobody listens there now
        using var client = ClientOf($"http://127.0.0.1:{port}");

        var (healthy, detail) = await RegionHealth.CheckAsync(client, "myblog", CancellationToken.None);

        Assert.False(healthy);
        Assert.StartsWith("The table did not answer", detail);
    }

    [Fact]
    public async Task A_table_that_hangs_makes_the_region_unhealthy_within_the_timeout()
    {
        // Accepts the connection and never answers: a region frozen mid-call.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    accepted.Add(await listener.AcceptTcpClientAsync());
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    return;
                }
            }
        });
        using var client = ClientOf($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");

        var clock = Stopwatch.StartNew();
        var (healthy, detail) = await RegionHealth.CheckAsync(client, "myblog", CancellationToken.None);

        Assert.False(healthy);
        Assert.Contains("within 2 s", detail);
        // It gave up at its timeout (the detail says so), not after the client's own, much longer one.
        Assert.True(clock.Elapsed < RegionHealth.TableTimeout + TimeSpan.FromSeconds(5), $"the check took {clock.Elapsed}");
        listener.Stop();
        accepted.ForEach(c => c.Dispose());
    }
}
