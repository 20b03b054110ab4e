using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Options;

namespace MyBlog.Workers.Publishing;

/// <summary>
/// CloudFront's CreateInvalidation for exactly the changed paths, as a REST call signed with the SDK's own SigV4
/// signer (AWSSDK.CloudFront is not available here; no hand-written crypto). CloudFront is a global service: its
/// API lives in us-east-1.
/// </summary>
public sealed class CloudFrontInvalidator(HttpClient http, IOptions<PublishingOptions> options, ILogger<CloudFrontInvalidator> logger)
    : IEdgeInvalidator
{
    public static readonly Uri Endpoint = new("https://cloudfront.amazonaws.com/");
    private const string ApiVersion = "2020-05-31";
    private const string Region = "us-east-1";
    private const string Service = "cloudfront";
    private static readonly XNamespace Ns = $"http://cloudfront.amazonaws.com/doc/{ApiVersion}/";

    /// <summary>Overridable for tests; by default the SDK's credential chain (the Lambda role on AWS).</summary>
    public Func<ImmutableCredentials> Credentials { get; init; } = () => DefaultAWSCredentialsIdentityResolver.GetCredentials().GetCredentials();

    /// <summary>
    /// Past this many paths, one wildcard for the whole site instead. CloudFront allows 3,000 paths (or 15
    /// wildcards) in flight per distribution and bills every path past the first 1,000 a month, while a wildcard
    /// counts as one path: a rebuild of a large site is one cheap invalidation, a publish a handful of exact ones.
    /// </summary>
    public const int MaxExactPaths = 50;

    public async Task InvalidateAsync(IReadOnlyCollection<string> paths, CancellationToken ct)
    {
        if (paths.Count == 0)
        {
            return;
        }
        if (paths.Count > MaxExactPaths)
        {
            paths = ["/*"];
        }
        var distribution = options.Value.DistributionId
            ?? throw new InvalidOperationException("Publishing:DistributionId is not set.");
        using var request = CreateRequest(distribution, paths, Guid.NewGuid().ToString("N"), DateTime.UtcNow, Credentials());
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"CloudFront CreateInvalidation answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
        logger.LogInformation("Invalidated {Count} path(s) on distribution {Distribution}", paths.Count, distribution);
    }

    /// <summary>The signed CreateInvalidation request (public so its shape can be tested without an AWS account).</summary>
    public static HttpRequestMessage CreateRequest(
        string distributionId, IReadOnlyCollection<string> paths, string callerReference, DateTime now, ImmutableCredentials credentials)
    {
        var body = new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XElement(Ns + "InvalidationBatch",
                new XElement(Ns + "Paths",
                    new XElement(Ns + "Quantity", paths.Count),
                    new XElement(Ns + "Items", paths.Select(p => new XElement(Ns + "Path", EncodePath(p))))),
                new XElement(Ns + "CallerReference", callerReference)));
        var payload = Encoding.UTF8.GetBytes(body.Declaration + body.ToString(SaveOptions.DisableFormatting));

        var path = $"/{ApiVersion}/distribution/{Uri.EscapeDataString(distributionId)}/invalidation";
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint, path)) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/xml");
        SigV4.Sign(request, payload, Service, Region, credentials, now);
        return request;
    }

    /// <summary>CloudFront wants paths percent-encoded as they appear in URLs (a Korean slug, a space), keeping '/' and '*'.</summary>
    public static string EncodePath(string path) =>
        string.Join('/', path.Split('/').Select(segment => segment == "*" ? segment : Uri.EscapeDataString(segment).Replace("%2A", "*")));
}
