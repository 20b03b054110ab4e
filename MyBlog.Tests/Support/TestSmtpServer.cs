using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyBlog.Workers.Mail;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MyBlog.Tests.Support;

/// <summary>
/// A real SMTP server (the SmtpServer package) in the test process on a loopback port, for the answers smtp4dev
/// never gives: a recipient refused with 550, a <c>454 Throttling</c>, a 451 on the data. <see cref="Answer"/>
/// decides per recipient; everything else is accepted and kept in <see cref="Received"/>. In front of it, LocalAws's
/// SES API (<see cref="SesPort"/>) turns those answers into SES's, as the topology does.
/// </summary>
public sealed class TestSmtpServer : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public TestSmtpServer()
    {
        Port = FreePort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new ServiceProvider();
        services.Add(new Filter(this));
        services.Add(new Store(this));
        _running = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
        _ses = new SesStandIn(Port);
    }

    private readonly SesStandIn _ses;

    /// <summary>The SMTP port.</summary>
    public int Port { get; }

    /// <summary>LocalAws's SES API, relaying to this server.</summary>
    public int SesPort => _ses.Port;

    /// <summary>The reply to a recipient (RCPT TO) or, with <c>data: true</c>, to its message's data; null accepts.</summary>
    public Func<string, bool, SmtpResponse?> Answer { get; set; } = (_, _) => null;

    /// <summary>Accepted messages: each recipient and the raw message.</summary>
    public ConcurrentQueue<(string To, string Raw)> Received { get; } = new();

    public int CountTo(string address) => Received.Count(m => string.Equals(m.To, address, StringComparison.OrdinalIgnoreCase));

    /// <summary>Who the tests' mail comes from, as the local configuration has it.</summary>
    public static MimeKit.MailboxAddress From => new("MyBlog", "hello@myblog.local");

    public static SmtpResponse Reply(int code, string text) => new((SmtpReplyCode)code, text);

    /// <summary>
    /// MyBlog's mail sender, calling SES's API on a loopback port (this server's <see cref="SesPort"/>, or a fault
    /// proxy's in front of it).
    /// </summary>
    /// <param name="timeout">How long a call may take: generous by default, so a busy test machine is not a silent SES.</param>
    public static SesMailSender SenderTo(int sesPort, TimeProvider time, double rate = 1000, TimeSpan? timeout = null)
    {
        var options = Options.Create(new MailOptions
        {
            ServiceUrl = $"http://127.0.0.1:{sesPort}/",
            Region = "us-east-1",
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
            SendTimeout = TimeSpan.FromSeconds(30),
            MaxSendRate = rate,
        });
        return new SesMailSender(new HttpClient(), options, new MailPace(options), time, NullLogger<SesMailSender>.Instance)
        {
            Credentials = () => new ImmutableCredentials("local", "local", null),
        };
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Address(IMailbox mailbox) => $"{mailbox.User}@{mailbox.Host}";

    private sealed class Filter(TestSmtpServer server) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken ct) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken ct) =>
            server.Answer(Address(to), false) is { } refusal ? throw new SmtpResponseException(refusal) : Task.FromResult(true);
    }

    private sealed class Store(TestSmtpServer server) : IMessageStore
    {
        public Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken ct)
        {
            var to = transaction.To.Select(Address).ToList();
            if (to.Select(t => server.Answer(t, true)).FirstOrDefault(a => a is not null) is { } refusal)
            {
                return Task.FromResult(refusal);
            }
            var raw = Encoding.UTF8.GetString(buffer.ToArray());
            foreach (var recipient in to)
            {
                server.Received.Enqueue((recipient, raw));
            }
            return Task.FromResult(SmtpResponse.Ok);
        }
    }

    public void Dispose()
    {
        _ses.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stop.Cancel();
        try
        {
            _running.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Cancelled, as asked.
        }
        _stop.Dispose();
    }
}
