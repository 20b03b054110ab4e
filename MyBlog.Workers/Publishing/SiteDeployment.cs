using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace MyBlog.Workers.Publishing;

/// <summary>
/// A CloudFormation custom resource request. The stack's <c>Site</c> resource names the site-deployment function
/// as its service token; Lambda hands the request to the Lambda Web Adapter, which POSTs it to that function's path.
/// </summary>
public sealed record CloudFormationRequest(
    string RequestType, string ResponseURL, string StackId, string RequestId, string LogicalResourceId, string? PhysicalResourceId);

/// <summary>What CloudFormation reads from the response URL.</summary>
public sealed record CloudFormationResponse(
    string Status, string Reason, string PhysicalResourceId, string StackId, string RequestId, string LogicalResourceId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, int>? Data);

/// <summary>
/// Each deploy rebuilds the site: on Create, and on every Update (the resource carries the workers package's hash, so a
/// new package is an update), the whole site is rendered with the templates and editor of the code just deployed —
/// only changed objects are written and invalidated. Delete removes nothing: the site bucket is retained with the
/// stack's data. CloudFormation waits up to an hour for an answer, so every request is answered, a failure as FAILED
/// with its reason (the deploy then rolls back rather than leave a site the new code cannot build).
/// </summary>
public sealed partial class SiteDeployment(HttpClient http, SitePublisher publisher, IOptions<PublishingOptions> options, ILogger<SiteDeployment> logger)
{
    public const string PhysicalResourceId = "myblog-site";

    /// <summary>
    /// Whether a response URL is CloudFormation's: HTTPS to its response bucket in some region
    /// (<c>cloudformation-custom-resource-response-useast1.s3.amazonaws.com</c> and the regional forms). The answer
    /// is a PUT to whatever the request names, so anything else — an address inside the network, another site — is
    /// refused: the function would otherwise make requests for whoever can invoke it.
    /// </summary>
    public bool IsResponseUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length == 0 && (
            (uri.Scheme == Uri.UriSchemeHttps && uri.IsDefaultPort && CloudFormationResponseHost().IsMatch(uri.Host))
            || (options.Value.AllowLocalResponseUrls && uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));

    [GeneratedRegex(@"^cloudformation-custom-resource-response-[a-z0-9]+\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")]
    private static partial Regex CloudFormationResponseHost();

    public async Task<CloudFormationResponse> RespondAsync(CloudFormationRequest request, CancellationToken ct)
    {
        var response = await RunAsync(request, ct);
        var json = JsonSerializer.SerializeToUtf8Bytes(response);
        using var content = new ByteArrayContent(json);
        // The URL is presigned without a content type; sending one would break the signature.
        content.Headers.ContentType = null;
        using var put = await http.PutAsync(request.ResponseURL, content, ct);
        put.EnsureSuccessStatusCode(); // if the answer did not land, fail the invocation: Lambda retries it
        logger.LogInformation("CloudFormation {RequestType} of {LogicalResourceId}: {Status} {Reason}",
            request.RequestType, request.LogicalResourceId, response.Status, response.Reason);
        return response;
    }

    private async Task<CloudFormationResponse> RunAsync(CloudFormationRequest request, CancellationToken ct)
    {
        CloudFormationResponse Answer(string status, string reason, IReadOnlyDictionary<string, int>? data = null) =>
            new(status, reason, request.PhysicalResourceId ?? PhysicalResourceId, request.StackId, request.RequestId, request.LogicalResourceId, data);

        if (request.RequestType is not ("Create" or "Update"))
        {
            return Answer("SUCCESS", request.RequestType == "Delete" ? "The site bucket is retained" : $"Nothing to do for {request.RequestType}");
        }
        try
        {
            var result = await publisher.RebuildAsync(ct);
            return Answer("SUCCESS", $"Site rebuilt: {result.Written} written, {result.Deleted} deleted of {result.Rendered}",
                new Dictionary<string, int> { ["Written"] = result.Written, ["Deleted"] = result.Deleted, ["Rendered"] = result.Rendered });
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(ex, "Rebuilding the site for CloudFormation {RequestType} failed", request.RequestType);
            // CloudFormation shows the reason in the stack's events; it keeps the first 4 KB or so.
            var reason = $"Rebuilding the site failed: {ex.GetType().Name}: {ex.Message}";
            return Answer("FAILED", reason.Length > 1000 ? reason[..1000] : reason);
        }
    }
}
