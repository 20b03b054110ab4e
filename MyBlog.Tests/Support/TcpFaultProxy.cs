using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MyBlog.Tests.Support;

/// <summary>What the proxy does to connections.</summary>
public enum FaultMode
{
    /// <summary>Bytes flow both ways.</summary>
    Pass,

    /// <summary>
    /// Connections are accepted and then nothing: no greeting, no answer, open connections stall. The client waits
    /// until its own timeout, as with a server that stopped answering or a network that drops packets.
    /// </summary>
    BlackHole,

    /// <summary>Every new connection is reset as soon as it is accepted, and open ones are reset.</summary>
    Refuse,

    /// <summary>
    /// Bytes flow until the client's QUIT, which is never answered: the server has accepted the message, and the
    /// client's last step times out.
    /// </summary>
    QuitUnanswered,
}

/// <summary>
/// A TCP proxy on a loopback port that can make the service behind it hang, refuse or fail at a chosen moment — the
/// faults a mail server or a network has on a bad day, made on purpose and undone on purpose. The upstream is looked
/// up per connection, so it can be set once the real server has an address.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<IPEndPoint?> _upstream;
    private readonly List<Socket> _open = [];
    private readonly Task _accepting;
    private volatile FaultMode _mode;
    private int _connections;

    public TcpFaultProxy(Func<IPEndPoint?> upstream)
    {
        _upstream = upstream;
        _listener.Start(backlog: 512);
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far, whatever happened to them.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The fault now. Refuse also resets the connections already open.</summary>
    public FaultMode Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            if (value == FaultMode.Refuse)
            {
                lock (_open)
                {
                    _open.ForEach(Reset);
                    _open.Clear();
                }
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        switch (_mode)
        {
            case FaultMode.Refuse:
                Reset(client);
                return;
            case FaultMode.BlackHole:
                Track(client); // held open, never answered
                return;
        }

        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await upstream.ConnectAsync(_upstream() ?? throw new SocketException((int)SocketError.ConnectionRefused), _stop.Token);
        }
        catch (Exception)
        {
            upstream.Dispose();
            Reset(client);
            return;
        }
        client.NoDelay = true;
        Track(client);
        Track(upstream);
        await Task.WhenAny(PumpAsync(client, upstream, fromClient: true), PumpAsync(upstream, client, fromClient: false));
    }

    private async Task PumpAsync(Socket from, Socket to, bool fromClient)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0 || _mode == FaultMode.Refuse)
                {
                    break;
                }
                if (_mode == FaultMode.BlackHole)
                {
                    // Dropped on the floor; the connection stalls from here on.
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
                if (fromClient && _mode == FaultMode.QuitUnanswered && IsQuit(buffer.AsSpan(0, read)))
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception)
        {
            // A reset or the proxy stopping: both ends go below.
        }
        Reset(from);
        Reset(to);
        lock (_open)
        {
            _open.Remove(from);
            _open.Remove(to);
        }
    }

    private static bool IsQuit(ReadOnlySpan<byte> command) =>
        Encoding.ASCII.GetString(command[..Math.Min(command.Length, 4)]).Equals("QUIT", StringComparison.OrdinalIgnoreCase);

    private void Track(Socket socket)
    {
        lock (_open)
        {
            _open.Add(socket);
        }
    }

    /// <summary>Closes with an RST rather than a FIN, as a refusing or crashing peer does.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_open)
        {
            _open.ForEach(Reset);
            _open.Clear();
        }
        _stop.Dispose();
    }
}
