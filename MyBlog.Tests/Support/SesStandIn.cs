using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyBlog.LocalAws.Mail;

namespace MyBlog.Tests.Support;

/// <summary>
/// LocalAws's SES API (<see cref="SesApi"/>) in the test process on a loopback port, handing its messages to an SMTP
/// server (a <see cref="TestSmtpServer"/>, or a fault proxy in front of one): the mail tests send through the same
/// SES call and the same relay the topology uses.
/// </summary>
public sealed class SesStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;

    public SesStandIn(int smtpPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(Options.Create(new SmtpRelayOptions { SmtpHost = "127.0.0.1", SmtpPort = smtpPort, Timeout = TimeSpan.FromSeconds(2) }));
        builder.Services.AddSingleton<SmtpRelay>();
        _app = builder.Build();
        _app.MapSesApi();
        _app.StartAsync().GetAwaiter().GetResult();
        Port = new Uri(_app.Urls.First()).Port;
    }

    public int Port { get; }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
