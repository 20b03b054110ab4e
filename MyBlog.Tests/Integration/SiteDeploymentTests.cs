using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// On AWS, each deploy sends the publish function a CloudFormation custom resource request; it rebuilds the site
/// (with the editor) and answers on the presigned response URL. Here the request goes to the workers as the Lambda
/// Web Adapter would pass it, and the response URL is a local listener standing in for CloudFormation's S3 URL.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class SiteDeploymentTests(TestTopology app)
{
    [Fact]
    public async Task A_deploy_rebuilds_the_site_and_answers_CloudFormation_on_the_response_url()
    {
        using var cloudFormation = new ResponseUrl();

        var created = await SendAsync(cloudFormation, "Create");
        Assert.Equal("SUCCESS", created.GetProperty("Status").GetString());
        Assert.Equal("myblog-site", created.GetProperty("PhysicalResourceId").GetString());
        Assert.Equal("SiteCustomResource", created.GetProperty("LogicalResourceId").GetString());
        Assert.True(created.GetProperty("Data").GetProperty("Rendered").GetInt32() > 0);

        // A new package is an update: the site is rendered again (only what changed is written).
        var updated = await SendAsync(cloudFormation, "Update", physicalResourceId: "myblog-site");
        Assert.Equal("SUCCESS", updated.GetProperty("Status").GetString());
        Assert.True(updated.GetProperty("Data").GetProperty("Rendered").GetInt32() > 0);

        var deleted = await SendAsync(cloudFormation, "Delete", physicalResourceId: "myblog-site");
        Assert.Equal("SUCCESS", deleted.GetProperty("Status").GetString());
        Assert.False(deleted.TryGetProperty("Data", out _));

        // The editor is part of the site: served from the bucket through the edge, with its own CSP.
        using var editor = await app.Site.GetAsync("/admin/");
        Assert.Equal(HttpStatusCode.OK, editor.StatusCode);
        Assert.Contains("admin.js", await editor.Content.ReadAsStringAsync());
        Assert.Contains("connect-src", editor.Headers.GetValues("Content-Security-Policy").Single());
        using var script = await app.Site.GetAsync("/admin/admin.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.StartsWith("text/javascript", script.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task The_deploy_request_has_a_path_of_its_own_and_the_publish_path_takes_stream_events_only()
    {
        using var notAStreamEvent = await app.Workers.PostAsync(AwsFunctions.SiteDeployment.Path, JsonContent.Create(new { Records = Array.Empty<object>() }));
        Assert.Equal(HttpStatusCode.BadRequest, notAStreamEvent.StatusCode); // not a CloudFormation request

        using var empty = await app.Workers.PostAsync("/events/publish", JsonContent.Create(new { Records = Array.Empty<object>() }));
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Equal("[]", (await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("batchItemFailures").GetRawText());

        using var garbage = await app.Workers.PostAsync("/events/publish", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
    }

    /// <summary>Sends a request of <paramref name="requestType"/> and returns what was PUT to the response URL.</summary>
    private async Task<JsonElement> SendAsync(ResponseUrl cloudFormation, string requestType, string? physicalResourceId = null)
    {
        var requestId = Guid.NewGuid().ToString();
        var request = new Dictionary<string, object?>
        {
            ["RequestType"] = requestType,
            ["ServiceToken"] = "arn:aws:lambda:us-east-1:123456789012:function:MyBlog-FunctionsPublish",
            ["ResponseURL"] = $"{cloudFormation.Url}{requestId}?X-Amz-Signature=example",
            ["StackId"] = "arn:aws:cloudformation:us-east-1:123456789012:stack/MyBlog/1",
            ["RequestId"] = requestId,
            ["LogicalResourceId"] = "SiteCustomResource",
            ["ResourceType"] = "Custom::MyBlogSite",
            ["ResourceProperties"] = new Dictionary<string, string> { ["ServiceToken"] = "…", ["Package"] = "abc123.zip" },
        };
        if (physicalResourceId is not null)
        {
            request["PhysicalResourceId"] = physicalResourceId;
        }
        using var answer = await app.Workers.PostAsync(AwsFunctions.SiteDeployment.Path, JsonContent.Create(request));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

        var (path, contentType, body) = await cloudFormation.Puts.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal($"/{requestId}", path);
        Assert.Null(contentType); // the URL is presigned without one
        Assert.Equal(requestId, body.GetProperty("RequestId").GetString());
        Assert.Equal("arn:aws:cloudformation:us-east-1:123456789012:stack/MyBlog/1", body.GetProperty("StackId").GetString());
        return body;
    }

    /// <summary>CloudFormation's presigned S3 response URL, on 127.0.0.1: records each PUT.</summary>
    private sealed class ResponseUrl : IDisposable
    {
        private readonly LocalHttpServer _server;

        public string Url => _server.Url;
        public Channel<(string Path, string? ContentType, JsonElement Body)> Puts { get; } = Channel.CreateUnbounded<(string, string?, JsonElement)>();

        public ResponseUrl() => _server = new LocalHttpServer(async context =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.InputStream);
            await Puts.Writer.WriteAsync((context.Request.Url!.AbsolutePath, context.Request.ContentType, body));
            context.Response.StatusCode = context.Request.HttpMethod == "PUT" ? 200 : 405;
        });

        public void Dispose() => _server.Dispose();
    }
}
