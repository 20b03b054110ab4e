using System.Net;
using System.Text.Json;
using Amazon.S3.Model;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Storage;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// Photos end to end: the upload URL (declared files checked first), the browser's PUT straight to storage, the S3
/// event through the local queue to the thumbnail worker, the variants in the media bucket and through the edge.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class PhotoUploadTests(TestTopology app)
{
    private async Task<HttpResponseMessage> RequestUploadAsync(object body)
    {
        using var request = TestTopology.AdminRequest(HttpMethod.Post, "/api/admin/photos", body);
        return await app.Site.SendAsync(request);
    }

    /// <summary>Asks for an upload URL and PUTs <paramref name="bytes"/> to it the way the editor does; returns the photo id.</summary>
    private async Task<string> UploadAsync(string fileName, string contentType, byte[] bytes)
    {
        var response = await RequestUploadAsync(new { fileName, contentType, size = bytes.Length });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ticket = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, await TestTopology.PutUploadAsync(ticket, bytes));
        return ticket.GetProperty("photoId").GetString()!;
    }

    /// <summary>The photo's status once the worker has had its say.</summary>
    private async Task<JsonElement> WaitForProcessedAsync(string photoId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await app.AdminAsync(HttpMethod.Get, $"/api/admin/photos/{photoId}");
            if (status.GetProperty("status").GetString() != "awaiting-upload" || DateTime.UtcNow > deadline)
            {
                return status;
            }
            await Task.Delay(200);
        }
    }

    private async Task<List<string>> MediaKeysAsync(string photoId)
    {
        using var s3 = app.S3();
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = MyBlogBuckets.Media, Prefix = $"media/{photoId}/" });
        return (listed.S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task A_page_published_before_its_photo_is_ready_is_rendered_again_when_it_is()
    {
        // The author puts the photo in the post and publishes before the upload has finished.
        var bytes = TestImages.CameraJpeg(800, 600);
        var ticketResponse = await RequestUploadAsync(new { fileName = "late.jpg", contentType = "image/jpeg", size = bytes.Length });
        var ticket = JsonDocument.Parse(await ticketResponse.Content.ReadAsStringAsync()).RootElement;
        var photoId = ticket.GetProperty("photoId").GetString()!;
        var created = await app.AdminAsync(HttpMethod.Post, "/api/admin/posts",
            new { title = $"Late photo {Guid.NewGuid():N}", markdown = $"Before.\n\n![The harbour](/media/{photoId}/800.jpg)\n\nAfter." });
        var slug = created.GetProperty("slug").GetString()!;
        await app.AdminAsync(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false", ifMatch: "\"v1\"");
        var plain = await PageAsync(slug, (status, body) => status == HttpStatusCode.OK);
        Assert.DoesNotContain("<picture", plain);

        Assert.Equal(HttpStatusCode.OK, await TestTopology.PutUploadAsync(ticket, bytes));
        Assert.Equal("ready", (await WaitForProcessedAsync(photoId)).GetProperty("status").GetString());

        // Nobody touches the post: the photo's becoming ready publishes its page again, with the variants.
        var responsive = await PageAsync(slug, (status, body) => body.Contains("<picture", StringComparison.Ordinal));
        Assert.Contains("<picture", responsive);
        Assert.Contains($"/media/{photoId}/640.webp", responsive);
    }

    /// <summary>The post's page at the edge once <paramref name="condition"/> holds (or after 20 s, as it is then).</summary>
    private async Task<string> PageAsync(string slug, Func<HttpStatusCode, string, bool> condition) =>
        (await TestTopology.EventuallyAsync(app.Site, $"/posts/{slug}/", condition, TimeSpan.FromSeconds(20))).Body;

    [Fact]
    public async Task A_presigned_PUT_uploads_the_original_with_its_trace_context()
    {
        var response = await RequestUploadAsync(new { fileName = "beach at noon.jpg", contentType = "image/jpeg", size = 1234 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ticket = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("PUT", ticket.GetProperty("method").GetString());
        var expires = ticket.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.1));

        var jpeg = TestImages.CameraJpeg(64, 48);
        var photoId = await UploadAsync("beach at noon.jpg", "image/jpeg", jpeg);

        using var s3 = app.S3();
        using var stored = await s3.GetObjectAsync(MyBlogBuckets.Uploads, $"uploads/{photoId}/original");
        using var copy = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(copy);
        Assert.Equal(jpeg, copy.ToArray());
        Assert.Equal("image/jpeg", stored.Headers.ContentType);
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", stored.Metadata["traceparent"]);
    }

    [Fact]
    public async Task An_upload_URL_takes_exactly_the_declared_size_and_refuses_anything_else_before_storing_a_byte()
    {
        var jpeg = TestImages.CameraJpeg(64, 48);
        var response = await RequestUploadAsync(new { fileName = "declared.jpg", contentType = "image/jpeg", size = jpeg.Length });
        var ticket = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var photoId = ticket.GetProperty("photoId").GetString()!;

        var larger = jpeg.Concat(new byte[1024 * 1024]).ToArray();
        Assert.Equal(HttpStatusCode.Forbidden, await TestTopology.PutUploadAsync(ticket, larger));
        Assert.Equal(HttpStatusCode.Forbidden, await TestTopology.PutUploadAsync(ticket, jpeg[..^1]));
        using var s3 = app.S3();
        var missing = await Assert.ThrowsAsync<Amazon.S3.AmazonS3Exception>(() => s3.GetObjectMetadataAsync(MyBlogBuckets.Uploads, $"uploads/{photoId}/original"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        Assert.Equal(HttpStatusCode.OK, await TestTopology.PutUploadAsync(ticket, jpeg));
        Assert.Equal("ready", (await WaitForProcessedAsync(photoId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_rotated_camera_JPEG_with_GPS_becomes_upright_variants_without_metadata_served_by_the_edge()
    {
        // Stored 2400 × 1600 on its side (orientation 6): upright it is 1600 × 2400.
        var photoId = await UploadAsync("IMG_0001.JPG", "image/jpeg", TestImages.CameraJpeg(2400, 1600, orientation: 6));

        var status = await WaitForProcessedAsync(photoId);
        Assert.Equal("ready", status.GetProperty("status").GetString());
        Assert.Equal((1600, 2400), (status.GetProperty("width").GetInt32(), status.GetProperty("height").GetInt32()));
        Assert.Equal("jpeg", status.GetProperty("format").GetString());
        var variants = status.GetProperty("variants").EnumerateArray().ToList();
        Assert.Equal([320, 640, 1280, 1600], variants.Select(v => v.GetProperty("width").GetInt32()));

        Assert.Equal(8, (await MediaKeysAsync(photoId)).Count);
        using var s3 = app.S3();
        // The original is kept, tagged processed, so the lifecycle rule for unprocessed uploads leaves it alone.
        var tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = MyBlogBuckets.Uploads, Key = $"uploads/{photoId}/original" });
        Assert.Contains(tags.Tagging, t => t.Key == "myblog-status" && t.Value == "processed");
        foreach (var variant in variants)
        {
            foreach (var (url, type) in new[] { (variant.GetProperty("webp").GetString()!, "image/webp"), (variant.GetProperty("jpeg").GetString()!, "image/jpeg") })
            {
                Assert.StartsWith($"/media/{photoId}/", url);
                using var stored = await s3.GetObjectAsync(MyBlogBuckets.Media, url.TrimStart('/'));
                Assert.Equal(type, stored.Headers.ContentType);
                Assert.Equal("public, max-age=31536000, immutable", stored.Headers.CacheControl);

                var served = await app.Site.GetAsync(url);
                Assert.Equal(HttpStatusCode.OK, served.StatusCode);
                Assert.Equal(type, served.Content.Headers.ContentType?.MediaType);
                var bytes = await served.Content.ReadAsByteArrayAsync();
                using var image = SixLabors.ImageSharp.Image.Load(bytes);
                Assert.Equal((variant.GetProperty("width").GetInt32(), variant.GetProperty("height").GetInt32()), (image.Width, image.Height));
                Assert.Null(image.Metadata.ExifProfile);
                Assert.DoesNotContain("TestCam", System.Text.Encoding.Latin1.GetString(bytes));
            }
        }
    }

    [Fact]
    public async Task A_non_image_and_a_truncated_JPEG_fail_with_a_reason_and_leave_no_variants()
    {
        var text = await UploadAsync("holiday.jpg", "image/jpeg", "this is not a photo at all"u8.ToArray());
        var jpeg = TestImages.CameraJpeg(800, 600);
        var truncated = await UploadAsync("cut.jpg", "image/jpeg", jpeg[..(jpeg.Length * 2 / 3)]);

        var textStatus = await WaitForProcessedAsync(text);
        Assert.Equal("failed", textStatus.GetProperty("status").GetString());
        Assert.Contains("not a JPEG, PNG, WebP or GIF", textStatus.GetProperty("failureReason").GetString());
        var truncatedStatus = await WaitForProcessedAsync(truncated);
        Assert.Equal("failed", truncatedStatus.GetProperty("status").GetString());
        Assert.Contains("truncated", truncatedStatus.GetProperty("failureReason").GetString());
        Assert.Empty(truncatedStatus.GetProperty("variants").EnumerateArray());
        Assert.Empty(await MediaKeysAsync(text));
        Assert.Empty(await MediaKeysAsync(truncated));
    }

    [Fact]
    public async Task The_same_event_delivered_twice_leaves_the_same_objects_and_one_record()
    {
        var photoId = await UploadAsync("twice.png", "image/png", TestImages.Png(700, 300));
        Assert.Equal("ready", (await WaitForProcessedAsync(photoId)).GetProperty("status").GetString());
        using var s3 = app.S3();
        async Task<Dictionary<string, string>> ETagsAsync()
        {
            var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = MyBlogBuckets.Media, Prefix = $"media/{photoId}/" });
            return listed.S3Objects.ToDictionary(o => o.Key, o => o.ETag);
        }
        var before = await ETagsAsync();
        var record = await PhotoItemsAsync(photoId);

        // S3 delivers at least once: the same notification again, twice, through the queue.
        var original = await s3.GetObjectMetadataAsync(MyBlogBuckets.Uploads, $"uploads/{photoId}/original");
        var s3Event = """
            {"Records":[{"eventVersion":"2.0","eventSource":"aws:s3","awsRegion":"us-east-1","eventName":"ObjectCreated:Put",
              "s3":{"bucket":{"name":"BUCKET"},"object":{"key":"uploads/PHOTO/original","size":SIZE,"eTag":"ETAG"}}}]}
            """.Replace("BUCKET", MyBlogBuckets.Uploads).Replace("PHOTO", photoId)
            .Replace("SIZE", original.ContentLength.ToString()).Replace("ETAG", original.ETag.Trim('"'));
        for (var i = 0; i < 2; i++)
        {
            var posted = await app.LocalAws.PostAsync("/s3/events", new StringContent(s3Event, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }
        await WaitForQueueDrainedAsync();

        Assert.Equal(before, await ETagsAsync());
        var after = await PhotoItemsAsync(photoId);
        Assert.Single(after);
        Assert.Equal(record[0]["processedAt"].S, after[0]["processedAt"].S);
    }

    [Fact]
    public async Task A_message_the_worker_keeps_failing_returns_after_the_visibility_timeout_then_goes_to_the_dead_letter_queue()
    {
        var body = $"not an S3 event {Guid.NewGuid():N}";
        var sent = await app.LocalAws.PostAsync("/queues/thumbnails/messages", new StringContent(body));
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);

        // Five receives (maxReceiveCount), each failed and hidden for the 2-second test visibility timeout, then the DLQ.
        var deadline = DateTime.UtcNow + TestTopology.ThumbnailsVisibilityTimeout * (AwsFunctions.Thumbnails.Queue.MaxReceiveCount + 4);
        while (true)
        {
            var thumbnails = await ThumbnailsQueueAsync();
            if (thumbnails.GetProperty("deadLetters").EnumerateArray().Any(m => m.GetProperty("body").GetString() == body))
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the message did not reach the dead-letter queue");
            await Task.Delay(250);
        }
    }

    private async Task<List<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>>> PhotoItemsAsync(string photoId)
    {
        using var dynamo = app.DynamoDb();
        var response = await dynamo.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
        {
            TableName = MyBlogTable.DefaultName,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new Amazon.DynamoDBv2.Model.AttributeValue($"PHOTO#{photoId}") },
        });
        return response.Items;
    }

    /// <summary>The thumbnails queue as LocalAws's <c>GET /queues</c> shows it: depth and dead letters.</summary>
    private async Task<JsonElement> ThumbnailsQueueAsync()
    {
        var queues = JsonDocument.Parse(await app.LocalAws.GetStringAsync("/queues")).RootElement;
        return queues.EnumerateArray().Single(q => q.GetProperty("subscription").GetString() == "thumbnails");
    }

    private async Task WaitForQueueDrainedAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var thumbnails = await ThumbnailsQueueAsync();
            if (thumbnails.GetProperty("visible").GetInt32() == 0 && thumbnails.GetProperty("inFlight").GetInt32() == 0)
            {
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail("the thumbnails queue did not drain");
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
        using var request = TestTopology.AdminRequest(HttpMethod.Post, "/api/admin/photos", new { fileName = "a.jpg", contentType = "image/jpeg", size = 1 }, token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Site.SendAsync(request)).StatusCode);
    }
}
