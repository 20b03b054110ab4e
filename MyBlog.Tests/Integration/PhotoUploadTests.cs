using System.Net;
using System.Text.Json;
using MyBlog.Core;

namespace MyBlog.Tests.Integration;

/// <summary>The upload URL: declared files are checked first, then the browser PUTs straight to storage.</summary>
[Collection(MyBlogAppCollection.Name)]
public sealed class PhotoUploadTests(MyBlogApp app)
{
    private async Task<HttpResponseMessage> RequestUploadAsync(object body)
    {
        using var request = MyBlogApp.AdminRequest(HttpMethod.Post, "/api/admin/photos", body);
        return await app.Site.SendAsync(request);
    }

    [Fact]
    public async Task A_presigned_PUT_uploads_the_original_with_its_trace_context()
    {
        var response = await RequestUploadAsync(new { fileName = "beach at noon.jpg", contentType = "image/jpeg", size = 1234 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ticket = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var photoId = ticket.GetProperty("photoId").GetString()!;
        Assert.Equal("PUT", ticket.GetProperty("method").GetString());
        var expires = ticket.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.1));

        var bytes = new byte[1234];
        Random.Shared.NextBytes(bytes);
        using var put = new HttpRequestMessage(HttpMethod.Put, ticket.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(bytes) };
        foreach (var header in ticket.GetProperty("headers").EnumerateObject())
        {
            if (!put.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString()))
            {
                put.Content.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
            }
        }
        using var plain = new HttpClient();
        var uploaded = await plain.SendAsync(put);
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);

        using var s3 = app.S3();
        using var stored = await s3.GetObjectAsync(MyBlogBuckets.Uploads, $"uploads/{photoId}/original");
        using var copy = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal("image/jpeg", stored.Headers.ContentType);
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", stored.Metadata["traceparent"]);

        var status = JsonDocument.Parse(await (await app.Site.SendAsync(MyBlogApp.AdminRequest(HttpMethod.Get, $"/api/admin/photos/{photoId}"))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("awaiting-upload", status.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("drawing.svg", "image/svg+xml", 100, "contentType")]
    [InlineData("notes.txt", "text/plain", 100, "contentType")]
    [InlineData("", "image/png", 100, "fileName")]
    [InlineData("empty.png", "image/png", 0, "size")]
    public async Task Anything_but_a_photo_is_refused_before_a_URL_is_issued(string fileName, string contentType, long size, string field)
    {
        var response = await RequestUploadAsync(new { fileName, contentType, size });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task More_than_25_MB_is_413()
    {
        var response = await RequestUploadAsync(new { fileName = "huge.jpg", contentType = "image/jpeg", size = 25L * 1024 * 1024 + 1 });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Photo_routes_need_the_admin_token()
    {
        using var request = MyBlogApp.AdminRequest(HttpMethod.Post, "/api/admin/photos", new { fileName = "a.jpg", contentType = "image/jpeg", size = 1 }, token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Site.SendAsync(request)).StatusCode);
    }
}
