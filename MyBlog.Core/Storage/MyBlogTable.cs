using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace MyBlog.Core.Storage;

/// <summary>
/// The single table: string keys <c>pk</c>/<c>sk</c>, on-demand, stream with new and old images.
/// Local provisioning (MyBlog.LocalAws) and the CDK stack both build it from these definitions.
/// </summary>
public static class MyBlogTable
{
    public const string DefaultName = "myblog";
    public const string PartitionKey = "pk";
    public const string SortKey = "sk";

    /// <summary>Lists by kind and state, newest first: posts by status ordered by date.</summary>
    public const string ListIndex = "gsi1";
    public const string ListPartitionKey = "gsi1pk";
    public const string ListSortKey = "gsi1sk";
    /// <summary>
    /// The author's directory: every subscriber filed under its state (<c>SUBSCRIBERS#confirmed</c>, …) in address
    /// order, so a page, a search by the start of an address and a count read only what they show; and every
    /// newsletter job under <c>NEWSLETTERS</c>, so what is kept about one subscriber can be found without a scan.
    /// </summary>
    public const string DirectoryIndex = "gsi2";
    public const string DirectoryPartitionKey = "gsi2pk";
    public const string DirectorySortKey = "gsi2sk";

    /// <summary>The attributes a subscriber's row in the directory shows, projected into <see cref="DirectoryIndex"/>.</summary>
    public static readonly IReadOnlyList<string> DirectoryAttributes =
        ["email", "name", "status", "subscribedAt", "confirmedAt", "unsubscribedAt", "mailBlocked", "mailBlockedAt"];

    public static readonly StreamViewType StreamView = StreamViewType.NEW_AND_OLD_IMAGES;

    /// <summary>
    /// The table's time-to-live attribute (Unix seconds): DynamoDB deletes an item some time after it, at no cost.
    /// Only what is worthless once out of date carries it — sign-in links and requests, passkey challenges, sessions
    /// past their longest life; whatever reads such an item checks its own end, so an item not yet deleted is never
    /// taken for a live one.
    /// </summary>
    public const string TimeToLive = "ttl";

    /// <summary>The one item the publisher writes: its lock on the site (one publisher at a time).</summary>
    public const string PublisherLockPartitionKey = "SITE#PUBLISHER";

    /// <summary>The attributes a list shows (see PostSummary), projected into <see cref="ListIndex"/>.</summary>
    public static readonly IReadOnlyList<string> ListAttributes =
        ["slug", "title", "summary", "tags", "status", "version", "createdAt", "updatedAt", "publishedAt", "readingMinutes"];

    public static CreateTableRequest CreateTableRequest(string tableName) => new()
    {
        TableName = tableName,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions =
        [
            new AttributeDefinition(PartitionKey, ScalarAttributeType.S),
            new AttributeDefinition(SortKey, ScalarAttributeType.S),
            new AttributeDefinition(ListPartitionKey, ScalarAttributeType.S),
            new AttributeDefinition(ListSortKey, ScalarAttributeType.S),
            new AttributeDefinition(DirectoryPartitionKey, ScalarAttributeType.S),
            new AttributeDefinition(DirectorySortKey, ScalarAttributeType.S),
        ],
        KeySchema =
        [
            new KeySchemaElement(PartitionKey, KeyType.HASH),
            new KeySchemaElement(SortKey, KeyType.RANGE),
        ],
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndex
            {
                IndexName = ListIndex,
                KeySchema =
                [
                    new KeySchemaElement(ListPartitionKey, KeyType.HASH),
                    new KeySchemaElement(ListSortKey, KeyType.RANGE),
                ],
                // Lists need the summary, never the body: the index leaves the Markdown out.
                Projection = new Projection { ProjectionType = ProjectionType.INCLUDE, NonKeyAttributes = [.. ListAttributes] },
            },
            DirectoryIndexDefinition,
        ],
        StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamView },
    };

    public static GlobalSecondaryIndex DirectoryIndexDefinition => new()
    {
        IndexName = DirectoryIndex,
        KeySchema =
        [
            new KeySchemaElement(DirectoryPartitionKey, KeyType.HASH),
            new KeySchemaElement(DirectorySortKey, KeyType.RANGE),
        ],
        Projection = new Projection { ProjectionType = ProjectionType.INCLUDE, NonKeyAttributes = [.. DirectoryAttributes] },
    };
}
