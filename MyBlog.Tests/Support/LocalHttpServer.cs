using System.Net;
using System.Net.Sockets;

namespace MyBlog.Tests.Support;

/// <summary>
/// An AWS endpoint's stand-in on 127.0.0.1 (Parameter Store, CloudFormation's response URL): a free port, each
/// request answered in turn by <c>handle</c> (the response is closed after it) until disposed.
/// </summary>
public sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();

    public string Url { get; }

    public LocalHttpServer(Func<HttpListenerContext, Task> handle)
    {
        Url = $"http://127.0.0.1:{FreePort()}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                try
                {
                    await handle(context);
                }
                finally
                {
                    context.Response.Close();
                }
            }
        });
    }

    /// <summary>A port nothing listens on at the moment (for a process the test starts).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _listener.Close();
}
