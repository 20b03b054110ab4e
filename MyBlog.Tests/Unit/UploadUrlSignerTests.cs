using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MyBlog.Api.Uploads;
using MyBlog.Core.Photos;
using MyBlog.Core.Storage;
using MyBlog.ServiceDefaults;

namespace MyBlog.Tests.Unit;

public sealed class UploadUrlSignerTests
{
    private static readonly Photo Photo = new("0123456789abcdef0123456789abcdef", "beach.jpg", "image/jpeg", 1000, PhotoStatus.AwaitingUpload, null, DateTimeOffset.UtcNow);
    private static readonly DateTimeOffset Expires = DateTimeOffset.UtcNow.AddMinutes(15);

    /// <summary>The API's S3 client as the service defaults build it from the "Aws" configuration section.</summary>
    private static AmazonS3Client Client(bool acceleration, string? serviceUrl = null)
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aws:Region"] = "eu-west-1",
            ["Aws:S3ServiceUrl"] = serviceUrl,
        }).Build().GetSection("Aws");
        return new AmazonS3Client(new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            AwsClientExtensions.S3Config(section, acceleration));
    }

    /// <summary>A photo original's PUT, signed as the photos endpoint signs it.</summary>
    private static async Task<(string UploadUrl, Dictionary<string, string> Headers)> SignAsync(IAmazonS3 s3) =>
        await new UploadUrlSigner(s3, Options.Create(new BucketOptions { Uploads = "myblog-uploads-abc" }), Options.Create(new UploadOptions()))
            .SignPutAsync(MyBlog.Core.Photos.Photo.OriginalKey(Photo.Id), Photo.ContentType, Photo.DeclaredSize,
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", Expires, MyBlog.Core.Photos.Photo.UnprocessedTagging);

    [Fact]
    public async Task In_AWS_mode_the_URL_uses_the_buckets_Transfer_Acceleration_endpoint_over_HTTPS()
    {
        var ticket = await SignAsync(Client(acceleration: true));
        var url = new Uri(ticket.UploadUrl);
        Assert.Equal("https", url.Scheme);
        Assert.Equal("myblog-uploads-abc.s3-accelerate.amazonaws.com", url.Host);
        Assert.Equal($"/uploads/{Photo.Id}/original", url.AbsolutePath);
    }

    [Fact]
    public async Task The_URL_signs_the_declared_size_the_content_type_and_the_trace_metadata_and_expires_in_15_minutes()
    {
        var ticket = await SignAsync(Client(acceleration: false));
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(ticket.UploadUrl).Query);
        Assert.Equal("myblog-uploads-abc.s3.eu-west-1.amazonaws.com", new Uri(ticket.UploadUrl).Host);
        Assert.InRange(int.Parse(query["X-Amz-Expires"]!), 890, 900);
        // Content-Length is signed: S3 takes exactly the declared size or nothing.
        Assert.Equal(["content-length", "content-type", "host", "x-amz-meta-traceparent", "x-amz-tagging"], query["X-Amz-SignedHeaders"]!.Split(';'));
        Assert.Equal("myblog-status=unprocessed", ticket.Headers["x-amz-tagging"]);
        Assert.Equal("image/jpeg", ticket.Headers["Content-Type"]);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", ticket.Headers["x-amz-meta-traceparent"]);
    }

    [Fact]
    public async Task Against_the_emulator_acceleration_does_not_apply_and_the_URL_is_plain_HTTP()
    {
        var url = new Uri((await SignAsync(Client(acceleration: true, serviceUrl: "http://localhost:4569"))).UploadUrl);
        Assert.Equal(("http", "localhost", 4569), (url.Scheme, url.Host, url.Port));
        Assert.StartsWith("/myblog-uploads-abc/uploads/", url.AbsolutePath);
    }
}

public sealed class SsmSecretsTests
{
    [Fact]
    public void A_JSON_parameter_spreads_its_properties_under_the_section_and_a_plain_one_is_the_value()
    {
        var values = new Dictionary<string, string?>();
        SsmSecrets.Expand("Mail", """{"UserName": "AKIAEXAMPLE", "Password": "s3cr3t{}", "Port": 587}""", values);
        SsmSecrets.Expand("Admin:SetupCode", "plain-token", values);
        Assert.Equal("AKIAEXAMPLE", values["Mail:UserName"]);
        Assert.Equal("s3cr3t{}", values["Mail:Password"]);
        Assert.Equal("587", values["Mail:Port"]);
        Assert.Equal("plain-token", values["Admin:SetupCode"]);
    }
}
