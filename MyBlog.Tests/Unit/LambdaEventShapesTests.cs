using System.Text.Json;
using System.Text.Json.Nodes;
using MyBlog.Aws.Events;

namespace MyBlog.Tests.Unit;

/// <summary>
/// The one definition of Lambda's events (MyBlog.Core.Events), held to AWS's own samples from the Lambda developer
/// guide: it reads them, and what it writes — as LocalAws and the tests do — names exactly AWS's properties.
/// </summary>
public sealed class LambdaEventShapesTests
{
    private const string StreamSample = """
        {"Records":[{"eventID":"1","eventVersion":"1.0","dynamodb":{"Keys":{"Id":{"N":"101"}},"NewImage":{"Message":{"S":"New item!"},"Id":{"N":"101"}},
          "StreamViewType":"NEW_AND_OLD_IMAGES","SequenceNumber":"111","SizeBytes":26},"awsRegion":"us-west-2","eventName":"INSERT",
          "eventSourceARN":"arn:aws:dynamodb:us-east-2:123456789012:table/my-table/stream/2024-06-10T19:26:16.525","eventSource":"aws:dynamodb"}]}
        """;

    private const string SqsSample = """
        {"Records":[{"messageId":"059f36b4-87a3-44ab-83d2-661975830a7d","receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...","body":"test",
          "attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1545082649183","SenderId":"AIDAIENQZJOLO23YVJ4VO","ApproximateFirstReceiveTimestamp":"1545082649185"},
          "messageAttributes":{},"md5OfBody":"098f6bcd4621d373cade4e832627b4f6","eventSource":"aws:sqs",
          "eventSourceARN":"arn:aws:sqs:us-east-2:123456789012:my-queue","awsRegion":"us-east-2"}]}
        """;

    private const string S3Sample = """
        {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2019-09-03T19:37:27.192Z","eventName":"ObjectCreated:Put",
          "s3":{"s3SchemaVersion":"1.0","configurationId":"828aa6fc","bucket":{"name":"amzn-s3-demo-bucket","arn":"arn:aws:s3:::amzn-s3-demo-bucket"},
          "object":{"key":"b21b84d653bb07b05b1e6b33684dc11b","size":1305107,"eTag":"b21b84d653bb07b05b1e6b33684dc11b","sequencer":"0C0F6F405D6ED209E1"}}}]}
        """;

    [Fact]
    public void AWS_s_samples_read_into_the_shared_types()
    {
        var stream = JsonSerializer.Deserialize(StreamSample, LambdaEventJson.Default.DynamoDbStreamEvent)!.Records!.Single();
        Assert.Equal(("INSERT", "111", "aws:dynamodb"), (stream.EventName, stream.Dynamodb!.SequenceNumber, stream.EventSource));
        Assert.Equal("New item!", stream.Dynamodb.NewImage.GetString("Message"));
        Assert.StartsWith("arn:aws:dynamodb:", stream.EventSourceARN, StringComparison.Ordinal);

        var message = JsonSerializer.Deserialize(SqsSample, LambdaEventJson.Default.SqsEvent)!.Records!.Single();
        Assert.Equal(("059f36b4-87a3-44ab-83d2-661975830a7d", "test", 1), (message.MessageId, message.Body, message.ReceiveCount));

        var notification = S3EventNotification.TryParse(S3Sample)!;
        Assert.Equal(("amzn-s3-demo-bucket", "b21b84d653bb07b05b1e6b33684dc11b", 1305107L),
            (notification.Records![0].S3!.Bucket!.Name, notification.Records[0].S3!.Object!.Key, notification.Records[0].S3!.Object!.Size));
    }

    [Fact]
    public void What_LocalAws_and_the_tests_write_names_AWS_s_properties()
    {
        var message = SqsMessage.Received("id", "handle", "body", "md5", 2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "AIDA", "arn:aws:sqs:us-east-1:1:q", "us-east-1");
        Assert.Equal(Names(JsonNode.Parse(SqsSample)!["Records"]![0]!).Order(), Names(LambdaEvents.ToJson(message)).Order());

        var record = DynamoDbStreamRecord.Of("MODIFY", "222", StreamImage.Strings(("pk", "A")), StreamImage.Strings(("pk", "A")), null, "arn:aws:dynamodb:us-east-1:1:table/t/stream/s", "us-east-1");
        var written = JsonNode.Parse(LambdaEvents.Serialize(new DynamoDbStreamEvent([record])))!;
        var sample = JsonNode.Parse(StreamSample)!;
        // Everything written is a property AWS's sample has (the sample's size and creation time are optional).
        Assert.Subset(Names(sample), Names(written));
        Assert.Equal("222", DynamoDbStreamRecord.SequenceNumberOf(written["Records"]![0]!.AsObject()));

        Assert.Equal("""{"batchItemFailures":[{"itemIdentifier":"222"}]}""",
            JsonSerializer.Serialize(BatchResponse.From(["222"]), LambdaEventJson.Default.BatchResponse));
        Assert.Equal("id2", LambdaEvents.ReadResponse("""{"batchItemFailures":[{"itemIdentifier":"id2"}]}""")!.BatchItemFailures![0].ItemIdentifier);
    }

    /// <summary>Every property path in the JSON (attribute-value maps included), e.g. "Records.dynamodb.SequenceNumber".</summary>
    private static HashSet<string> Names(JsonNode node, string prefix = "")
    {
        var names = new HashSet<string>();
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    // Attribute maps (Keys, images, SQS attributes) hold data, not AWS's property names.
                    var path = prefix + key;
                    names.Add(path);
                    if (value is not null && key is not ("Keys" or "NewImage" or "OldImage" or "attributes" or "messageAttributes"))
                    {
                        names.UnionWith(Names(value, path + "."));
                    }
                }
                break;
            case JsonArray array:
                foreach (var item in array.OfType<JsonNode>())
                {
                    names.UnionWith(Names(item, prefix));
                }
                break;
        }
        return names;
    }
}
