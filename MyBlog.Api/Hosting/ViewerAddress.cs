using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace MyBlog.Api.Hosting;

/// <summary>How the API knows its requests come through the site's edge (CloudFront on AWS, MyBlog.Web locally). Bound from "Edge".</summary>
public sealed class EdgeOriginOptions
{
    public const string Section = "Edge";

    /// <summary>
    /// The value the edge sends in <see cref="ViewerAddress.SecretHeader"/> on every request it forwards: on AWS a
    /// CloudFront custom origin header read from Parameter Store (one version of the parameter, named by the stack),
    /// locally one the AppHost makes per run. Only in local development may it be unset: the API then serves anyone
    /// and takes the connection's address as the reader's. Anywhere else it does not start without one — every reader
    /// would share one rate-limit partition, and the API's own endpoint would answer the internet.
    /// </summary>
    public string? OriginSecret { get; set; }

    /// <summary>
    /// The secret before the last rotation, accepted too: CloudFront's edge locations change over to a new origin header
    /// within minutes, not at once, and requests carrying the old one must not fail meanwhile.
    /// </summary>
    public string? PreviousOriginSecret { get; set; }
}

/// <summary>
/// Who the reader is, for per-reader limits: the address CloudFront saw (its <c>CloudFront-Viewer-Address</c>
/// header, "ip:port"), believed only on a request that proves it came through the edge by carrying the origin
/// secret. Anything else — a direct call to the execute-api endpoint, a request from the internet that names its
/// own address — is refused, so no client can pick its own rate-limit partition. A client's X-Forwarded-For
/// counts for nothing. Health probes (the Lambda Web Adapter's readiness check is local) need no secret.
/// </summary>
public static class ViewerAddress
{
    public const string SecretHeader = "X-MyBlog-Origin";
    public const string AddressHeader = "CloudFront-Viewer-Address";

    public static IApplicationBuilder UseViewerAddress(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<EdgeOriginOptions>>().Value;
        if (string.IsNullOrEmpty(options.OriginSecret))
        {
            if (!app.ApplicationServices.GetRequiredService<IHostEnvironment>().IsDevelopment())
            {
                throw new InvalidOperationException(
                    "Edge:OriginSecret is not set: outside local development the API serves only requests that come through the site's edge " +
                    "(CloudFront), proven by that secret. Set it (on AWS the stack names its Parameter Store parameter in Secrets__Edge__OriginSecret).");
            }
            return app;
        }
        // Both compared in full every time, so the answer's timing says nothing about which (or how much) matched.
        var accepted = new[] { options.OriginSecret, options.PreviousOriginSecret }
            .Where(s => !string.IsNullOrEmpty(s)).Select(s => SHA256.HashData(Encoding.UTF8.GetBytes(s!))).ToList();
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/alive"))
            {
                await next(context);
                return;
            }
            Span<byte> sent = stackalloc byte[SHA256.HashSizeInBytes];
            DigestOf(context.Request.Headers[SecretHeader].ToString(), sent);
            var matched = false;
            foreach (var secret in accepted)
            {
                matched |= CryptographicOperations.FixedTimeEquals(sent, secret);
            }
            if (!matched)
            {
                await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not through the site",
                    detail: "This API answers requests that come through the site's own address only.").ExecuteAsync(context);
                return;
            }
            if (TryParse(context.Request.Headers[AddressHeader].ToString(), out var viewer))
            {
                context.Connection.RemoteIpAddress = viewer;
            }
            await next(context);
        });
    }

    /// <summary>The SHA-256 of a header's UTF-8 bytes, without allocating for a header of ordinary length.</summary>
    private static void DigestOf(string value, Span<byte> digest)
    {
        const int OnStack = 256;
        var most = Encoding.UTF8.GetMaxByteCount(value.Length);
        var rented = most > OnStack ? ArrayPool<byte>.Shared.Rent(most) : null;
        Span<byte> bytes = rented ?? stackalloc byte[OnStack];
        var length = Encoding.UTF8.GetBytes(value, bytes);
        SHA256.HashData(bytes[..length], digest);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>"203.0.113.7:46532" or "2001:db8::1:46532" (CloudFront's form: the port after the last colon).</summary>
    public static bool TryParse(string header, out IPAddress address)
    {
        address = IPAddress.None;
        var colon = header.LastIndexOf(':');
        return colon > 0
            && int.TryParse(header.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && IPAddress.TryParse(header.AsSpan(0, colon).Trim("[]"), out address!);
    }
}
