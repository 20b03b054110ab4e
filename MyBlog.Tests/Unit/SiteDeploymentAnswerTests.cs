using System.Net;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Storage;
using MyBlog.Site.Building;
using MyBlog.Workers.Publishing;

namespace MyBlog.Tests.Unit;

/// <summary>
/// CloudFormation waits up to the resource's timeout for an answer, so a failed rebuild must still answer — FAILED,
/// with the reason — and an answer that does not land must fail the invocation, so Lambda tries again. (The
/// successful path runs against the emulators in Integration/SiteDeploymentTests.)
/// </summary>
public sealed class SiteDeploymentAnswerTests
{
    private const string ResponseUrl = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3A/1?X-Amz-Signature=example";

    private static CloudFormationRequest Request(string type) => new(
        type, ResponseUrl, "arn:aws:cloudformation:us-east-1:123456789012:stack/MyBlog/1", "request-1", "SiteCustomResource",
        type == "Create" ? null : "myblog-site");

    /// <summary>A publisher whose table and bucket refuse connections, as an unreachable or forbidden AWS would fail it.</summary>
    private static SitePublisher UnreachablePublisher()
    {
        var credentials = new BasicAWSCredentials("example", "example");
        var dynamo = new AmazonDynamoDBClient(credentials, new AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:9", MaxErrorRetry = 0 });
        var s3 = new AmazonS3Client(credentials, new AmazonS3Config { ServiceURL = "http://127.0.0.1:9", ForcePathStyle = true, MaxErrorRetry = 0 });
        var blog = Options.Create(new MyBlogOptions());
        return new SitePublisher(
            new PostStore(dynamo, blog, TimeProvider.System), new PhotoStore(dynamo, blog, TimeProvider.System), new MyBlog.Core.Settings.SettingsStore(dynamo, blog),
            new SiteBuilder(new SiteRenderer(), new SiteInfo("MyBlog", new Uri("https://blog.example.com/"), SiteAssets.Load())),
            new SiteBucket(s3, Options.Create(new BucketOptions())), new UnusedInvalidator(),
            new PublishLock(dynamo, blog, Options.Create(new BucketOptions()), Options.Create(new PublishingOptions()), TimeProvider.System),
            Options.Create(new PublishingOptions()), NullLogger<SitePublisher>.Instance);
    }

    [Fact]
    public async Task A_failed_rebuild_is_answered_FAILED_with_its_reason()
    {
        var cloudFormation = new RecordingHandler(HttpStatusCode.OK);
        var deployment = Deployment(cloudFormation);

        var response = await deployment.RespondAsync(Request("Create"), CancellationToken.None);

        Assert.Equal("FAILED", response.Status);
        Assert.StartsWith("Rebuilding the site failed: ", response.Reason, StringComparison.Ordinal);
        var (method, url, contentType, body) = Assert.Single(cloudFormation.Requests);
        Assert.Equal((HttpMethod.Put, ResponseUrl, null), (method, url, contentType));
        using var sent = JsonDocument.Parse(body);
        Assert.Equal("FAILED", sent.RootElement.GetProperty("Status").GetString());
        Assert.Equal("myblog-site", sent.RootElement.GetProperty("PhysicalResourceId").GetString());
        Assert.Equal("request-1", sent.RootElement.GetProperty("RequestId").GetString());
        Assert.False(sent.RootElement.TryGetProperty("Data", out _));
    }

    [Fact]
    public async Task Delete_leaves_the_site_and_answers_SUCCESS_without_touching_it()
    {
        var cloudFormation = new RecordingHandler(HttpStatusCode.OK);
        var deployment = Deployment(cloudFormation);

        var response = await deployment.RespondAsync(Request("Delete"), CancellationToken.None);

        Assert.Equal(("SUCCESS", "myblog-site"), (response.Status, response.PhysicalResourceId));
        Assert.Single(cloudFormation.Requests);
    }

    [Fact]
    public async Task An_answer_that_does_not_land_fails_the_invocation_so_Lambda_retries_it()
    {
        var cloudFormation = new RecordingHandler(HttpStatusCode.Forbidden);
        var deployment = Deployment(cloudFormation);

        await Assert.ThrowsAsync<HttpRequestException>(() => deployment.RespondAsync(Request("Delete"), CancellationToken.None));
    }

    private static SiteDeployment Deployment(HttpMessageHandler cloudFormation, bool allowLocal = false) => new(new HttpClient(cloudFormation),
        UnreachablePublisher(), Options.Create(new PublishingOptions { AllowLocalResponseUrls = allowLocal }), NullLogger<SiteDeployment>.Instance);

    [Theory]
    [InlineData("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3A/1?X-Amz-Signature=x", true)]
    [InlineData("https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/arn%3A/1?x=1", true)]
    [InlineData("https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/arn%3A/1", true)]
    [InlineData("http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3A/1", false)]
    [InlineData("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.example/x", false)]
    [InlineData("https://attacker@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x", false)]
    [InlineData("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/x", false)]
    [InlineData("http://169.254.169.254/latest/meta-data/", false)]
    [InlineData("http://127.0.0.1:8080/answer", false)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("not a url", false)]
    public void The_answer_goes_only_to_CloudFormation_s_own_response_bucket(string url, bool answered) =>
        Assert.Equal(answered, Deployment(new RecordingHandler(HttpStatusCode.OK)).IsResponseUrl(url));

    [Fact]
    public void A_local_stand_in_for_CloudFormation_is_answered_only_when_allowed() =>
        Assert.True(Deployment(new RecordingHandler(HttpStatusCode.OK), allowLocal: true).IsResponseUrl("http://127.0.0.1:8080/answer"));

    private sealed class RecordingHandler(HttpStatusCode status) : HttpMessageHandler
    {
        public List<(HttpMethod Method, string Url, string? ContentType, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Requests.Add((request.Method, request.RequestUri!.OriginalString, request.Content?.Headers.ContentType?.ToString(),
                request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct)));
            return new HttpResponseMessage(status);
        }
    }

    /// <summary>The rebuild fails before anything is written, so nothing is ever invalidated.</summary>
    private sealed class UnusedInvalidator : IEdgeInvalidator
    {
        public Task InvalidateAsync(IReadOnlyCollection<string> paths, CancellationToken ct) =>
            throw new InvalidOperationException("Nothing was written, so nothing is invalidated.");
    }
}
