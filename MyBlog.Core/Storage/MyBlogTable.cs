using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace MyBlog.Core;

/// <summary>
/// The single table: string keys <c>pk</c>/<c>sk</c>, on-demand, stream with new and old images.
/// Local provisioning (MyBlog.LocalAws) and the CDK stack both build it from these definitions.
/// </summary>
public static class MyBlogTable
{
    public const string DefaultName = "myblog";
    public const string PartitionKey = "pk";
    public const string SortKey = "sk";
    public static readonly StreamViewType StreamView = StreamViewType.NEW_AND_OLD_IMAGES;

    public static CreateTableRequest CreateTableRequest(string tableName) => new()
    {
        TableName = tableName,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions =
        [
            new AttributeDefinition(PartitionKey, ScalarAttributeType.S),
            new AttributeDefinition(SortKey, ScalarAttributeType.S),
        ],
        KeySchema =
        [
            new KeySchemaElement(PartitionKey, KeyType.HASH),
            new KeySchemaElement(SortKey, KeyType.RANGE),
        ],
        StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamView },
    };
}
