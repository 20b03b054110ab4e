using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Storage;
using MyBlog.Tests.Support;

namespace MyBlog.Tests.Integration;

/// <summary>
/// <c>POST /events/thumbnails</c> fed the SQS event exactly as AWS documents it, each body an S3 event notification
/// (what S3 → SQS → the Lambda Web Adapter passes through), answering Lambda's partial-batch response by messageId.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class ThumbnailsContractTests(TestTopology app)
{
    private static SqsMessage Message(string body) => SqsMessage.Received(Guid.NewGuid().ToString(), "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
        body, "e4e68fb7bd0e697a0ae8f1bb342846b3", receiveCount: 1, DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000),
        DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_005), "AIDAIENQZJOLO23YVJ4VO", "arn:aws:sqs:us-east-1:123456789012:myblog-thumbnails", "us-east-1");

    /// <summary>An S3 event notification (eventVersion 2.1) for an already URL-encoded key.</summary>
    private static string S3Notification(string bucket, string encodedKey) => """
        {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-27T10:00:00.000Z",
          "eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:AIDAJDPLRKLG7UEXAMPLE"},
          "requestParameters":{"sourceIPAddress":"203.0.113.9"},"responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
          "s3":{"s3SchemaVersion":"1.0","configurationId":"thumbnails","bucket":{"name":"BUCKET","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::BUCKET"},
          "object":{"key":"KEY","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}}]}
        """.Replace("BUCKET", bucket).Replace("KEY", encodedKey);

    private async Task<string[]> PostAsync(params SqsMessage[] messages)
    {
        var response = await app.Workers.PostAsync(AwsFunctions.Thumbnails.Path,
            new StringContent(LambdaEvents.Serialize(new SqsEvent(messages)), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return LambdaEvents.ReadResponse(await response.Content.ReadAsStringAsync())!.BatchItemFailures!.Select(f => f.ItemIdentifier!).ToArray();
    }

    [Fact]
    public async Task One_bad_message_fails_alone_while_the_photo_and_an_encoded_foreign_key_are_done()
    {
        var ticket = await app.AdminAsync(HttpMethod.Post, "/api/admin/photos", new { fileName = "contract.jpg", contentType = "image/jpeg", size = 5000 });
        var photoId = ticket.GetProperty("photoId").GetString()!;
        using (var s3 = app.S3())
        {
            await s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = MyBlogBuckets.Uploads, Key = $"uploads/{photoId}/original",
                InputStream = new MemoryStream(TestImages.CameraJpeg(500, 400)), ContentType = "image/jpeg",
            });
        }

        var photo = Message(S3Notification(MyBlogBuckets.Uploads, $"uploads/{photoId}/original"));
        // "uploads/café über photo +1.jpg" as S3 writes it in a notification: not a photo original, so nothing to do.
        var foreign = Message(S3Notification(MyBlogBuckets.Uploads, "uploads/caf%C3%A9+%C3%BCber+photo+%2B1.jpg"));
        var garbage = Message("{\"Records\": [oops");
        var testEvent = Message("""{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-27T10:00:00.000Z","Bucket":"myblog-uploads","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}""");

        var failures = await PostAsync(photo, foreign, garbage, testEvent);

        Assert.Equal([garbage.MessageId!], failures);
        var status = await app.AdminAsync(HttpMethod.Get, $"/api/admin/photos/{photoId}");
        Assert.Equal("ready", status.GetProperty("status").GetString());
        Assert.Equal((500, 400), (status.GetProperty("width").GetInt32(), status.GetProperty("height").GetInt32()));
    }

    [Fact]
    public async Task An_event_for_a_photo_nobody_asked_for_is_done_not_retried()
    {
        var unknown = Message(S3Notification(MyBlogBuckets.Uploads, $"uploads/{Guid.NewGuid():N}/original"));
        var otherBucket = Message(S3Notification(MyBlogBuckets.Site, "index.html"));
        var failures = await PostAsync(unknown, otherBucket);
        Assert.True(failures.Length == 0, string.Join(",", failures) + " unknown=" + unknown.MessageId + " other=" + otherBucket.MessageId);
    }
}
