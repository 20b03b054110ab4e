using System.Text.RegularExpressions;
using System.Xml.Linq;
using Amazon.Runtime;
using MyBlog.Workers.Publishing;

namespace MyBlog.Tests.Unit;

/// <summary>The CreateInvalidation call as AWS documents it, checked without an AWS account.</summary>
public sealed class CloudFrontInvalidatorTests
{
    private static readonly ImmutableCredentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static readonly DateTime Now = new(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Request_is_a_signed_POST_of_an_InvalidationBatch_with_exactly_the_paths()
    {
        using var request = CloudFrontInvalidator.CreateRequest("E2EXAMPLE", ["/posts/hello/", "/posts/hello/index.html", "/"], "ref-1", Now, Credentials);

        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://cloudfront.amazonaws.com/2020-05-31/distribution/E2EXAMPLE/invalidation", request.RequestUri!.ToString());
        var xml = XDocument.Parse(await request.Content!.ReadAsStringAsync());
        XNamespace ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
        Assert.Equal("InvalidationBatch", xml.Root!.Name.LocalName);
        Assert.Equal("3", xml.Root.Element(ns + "Paths")!.Element(ns + "Quantity")!.Value);
        Assert.Equal(["/posts/hello/", "/posts/hello/index.html", "/"], xml.Root.Descendants(ns + "Path").Select(p => p.Value));
        Assert.Equal("ref-1", xml.Root.Element(ns + "CallerReference")!.Value);

        var authorization = request.Headers.GetValues("Authorization").Single();
        Assert.Matches(new Regex(@"^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/cloudfront/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$"), authorization);
        Assert.Equal("20261127T120000Z", request.Headers.GetValues("x-amz-date").Single());
    }

    [Fact]
    public void The_signature_depends_on_the_paths()
    {
        string Signature(string path) => CloudFrontInvalidator.CreateRequest("E2EXAMPLE", [path], "ref", Now, Credentials)
            .Headers.GetValues("Authorization").Single();
        Assert.Equal(Signature("/a/"), Signature("/a/"));
        Assert.NotEqual(Signature("/a/"), Signature("/b/"));
    }

    [Fact]
    public void Session_tokens_are_signed_too()
    {
        using var request = CloudFrontInvalidator.CreateRequest("E2EXAMPLE", ["/"], "ref", Now, new ImmutableCredentials("AKID", "secret", "session-token"));
        Assert.Equal("session-token", request.Headers.GetValues("x-amz-security-token").Single());
        Assert.Contains("x-amz-security-token", request.Headers.GetValues("Authorization").Single());
    }

    [Theory]
    [InlineData("/posts/안녕/", "/posts/%EC%95%88%EB%85%95/")]
    [InlineData("/tags/*", "/tags/*")]
    [InlineData("/a b/", "/a%20b/")]
    public void Paths_are_percent_encoded_as_CloudFront_expects(string path, string encoded)
    {
        Assert.Equal(encoded, CloudFrontInvalidator.EncodePath(path));
    }

    /// <summary>Keeps what the invalidator would have sent to CloudFront.</summary>
    private sealed class Recorder : HttpMessageHandler
    {
        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Bodies.Add(await request.Content!.ReadAsStringAsync(ct));
            return new HttpResponseMessage(System.Net.HttpStatusCode.Created);
        }
    }

    [Theory]
    [InlineData(3, new[] { "/a0/", "/a1/", "/a2/" })]
    [InlineData(CloudFrontInvalidator.MaxExactPaths, null)]
    [InlineData(5000, new[] { "/*" })]
    public async Task A_publish_invalidates_its_exact_paths_and_a_rebuild_one_wildcard_within_CloudFront_s_limits(int count, string[]? expected)
    {
        var recorder = new Recorder();
        var invalidator = new CloudFrontInvalidator(new HttpClient(recorder),
            Microsoft.Extensions.Options.Options.Create(new PublishingOptions { DistributionId = "E2EXAMPLE" }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<CloudFrontInvalidator>.Instance)
        { Credentials = () => Credentials };
        var paths = Enumerable.Range(0, count).Select(i => $"/a{i}/").ToList();

        await invalidator.InvalidateAsync(paths, CancellationToken.None);

        XNamespace ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
        var sent = XDocument.Parse(Assert.Single(recorder.Bodies)).Descendants(ns + "Path").Select(p => p.Value).ToList();
        Assert.Equal(expected?.ToList() ?? paths, sent);
        Assert.True(sent.Count <= CloudFrontInvalidator.MaxExactPaths);
    }
}
