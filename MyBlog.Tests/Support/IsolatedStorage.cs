using Amazon.DynamoDBv2;
using Amazon.S3;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Storage;
using MyBlog.Tests.Integration;

namespace MyBlog.Tests.Support;

/// <summary>
/// A table and buckets of one test's own, in the topology's emulators: no stream consumer, queue or edge reads them,
/// so a test can drive the real stores and workers step by step without the running topology joining in.
/// </summary>
public sealed class IsolatedStorage : IAsyncDisposable
{
    private IsolatedStorage(TestTopology app)
    {
        Dynamo = app.DynamoDb();
        S3 = app.S3();
    }

    /// <summary>The table's name, and the prefix of the buckets' (emulator bucket names allow 63 characters).</summary>
    public string Name { get; } = $"myblog-test-{Guid.NewGuid():N}"[..32];

    public IAmazonDynamoDB Dynamo { get; }

    public IAmazonS3 S3 { get; }

    public IOptions<MyBlogOptions> Site => Options.Create(new MyBlogOptions { TableName = Name });

    public string Bucket(string role) => $"{Name}-{role}";

    public static async Task<IsolatedStorage> CreateAsync(TestTopology app, params string[] bucketRoles)
    {
        var storage = new IsolatedStorage(app);
        await storage.Dynamo.CreateTableAsync(MyBlogTable.CreateTableRequest(storage.Name));
        foreach (var role in bucketRoles)
        {
            await storage.S3.PutBucketAsync(storage.Bucket(role));
        }
        return storage;
    }

    public async ValueTask DisposeAsync()
    {
        await Dynamo.DeleteTableAsync(Name);
        Dynamo.Dispose();
        S3.Dispose();
    }
}
