using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MyBlog.Benchmarks;

/// <summary>
/// The floor under the posts API's numbers: a Kestrel server with nothing in it — no middleware, no telemetry, no
/// logging — answering every request with the bytes the API answered, on the same machine beside the same running
/// topology. What it cannot beat is the machine's (its cores shared with wrk and the emulators), not the API's.
/// </summary>
public static class BareKestrel
{
    /// <summary>Serves on a free port of 127.0.0.1 and prints its address, alone on its first line, once it listens.</summary>
    public static async Task RunAsync(string bodyFile, string contentType)
    {
        var body = await File.ReadAllBytesAsync(bodyFile);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.ContentType = contentType;
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
        });
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        Console.WriteLine(app.Urls.Single());
        await app.WaitForShutdownAsync();
    }
}
