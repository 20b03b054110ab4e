using System.Security.Cryptography;
using Amazon.S3.Model;
using MyBlog.Core;
using MyBlog.Core.Storage;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The trap in ARCHITECTURE.md: AWS SDK v4 uploads with aws-chunked framing and checksum trailers; an emulator
/// that stores the framing corrupts every object while answering 200.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class S3EmulatorTests(TestTopology app)
{
    [Theory]
    [InlineData(2 * 1024 * 1024)]
    [InlineData(1)]
    [InlineData(0)]
    public async Task Objects_round_trip_byte_for_byte_with_SDK_defaults(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var key = $"tests/roundtrip-{Guid.NewGuid():N} with space/ü.bin";
        using var s3 = app.S3();

        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = MyBlogBuckets.Uploads,
            Key = key,
            InputStream = new MemoryStream(bytes),
            ContentType = "application/octet-stream",
        });

        using var get = await s3.GetObjectAsync(MyBlogBuckets.Uploads, key);
        using var copy = new MemoryStream();
        await get.ResponseStream.CopyToAsync(copy);
        Assert.Equal(size, copy.Length);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(copy.ToArray()));
    }

    [Fact]
    public async Task Copy_with_an_encoded_source_key_copies_the_object()
    {
        using var s3 = app.S3();
        var source = $"tests/copy source ü {Guid.NewGuid():N}.txt";
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = MyBlogBuckets.Uploads, Key = source, ContentBody = "hello" });

        await s3.CopyObjectAsync(MyBlogBuckets.Uploads, source, MyBlogBuckets.Media, "tests/copied.txt");

        using var get = await s3.GetObjectAsync(MyBlogBuckets.Media, "tests/copied.txt");
        Assert.Equal("hello", await new StreamReader(get.ResponseStream).ReadToEndAsync());
    }

    [Fact]
    public async Task The_buckets_are_created_at_start()
    {
        using var s3 = app.S3();
        var buckets = (await s3.ListBucketsAsync()).Buckets.Select(b => b.BucketName).ToList();
        Assert.Superset(MyBlogBuckets.All.ToHashSet(), buckets.ToHashSet());
    }
}
