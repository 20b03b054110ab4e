using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace MyBlog.Benchmarks;

/// <summary>
/// Clients of the site each from a loopback address of its own (any 127.x.y.z reaches the edge), so each is a
/// reader of its own for the per-reader limits, as distinct readers are: the edge reports the address it was
/// connected from, and nothing a request says can change that.
/// </summary>
public sealed class Readers(Uri site)
{
    private readonly ConcurrentDictionary<int, HttpClient> _clients = new();

    /// <summary>The client for reader number <paramref name="n"/> (127.1.0.1, 127.1.0.2, …).</summary>
    public HttpClient this[int n] => _clients.GetOrAdd(n, i => new HttpClient(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(new IPAddress([127, 1, (byte)(i / 250), (byte)(i % 250 + 1)]), 0));
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = site });
}

/// <summary>What the subscribe form sends: the address with a solved challenge for it (SubscribeChallenge).</summary>
public static class SubscribeBody
{
    public static async Task<object> ForAsync(HttpClient site, string email, CancellationToken ct = default)
    {
        var challenge = (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<MyBlog.Core.Subscribers.ChallengeTicket>(
            site, "/api/subscribers/challenge", ct))!;
        return new { email, challenge = challenge.Challenge, nonce = MyBlog.Core.Subscribers.SubscribeChallenge.Solve(challenge, email) };
    }
}

