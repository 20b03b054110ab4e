using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Photos;
using MyBlog.Core.Storage;
using MyBlog.Core.Uploads;
using MyBlog.Tests.Support;
using MyBlog.Workers.Thumbnails;

namespace MyBlog.Tests.Integration;

/// <summary>
/// The photo processor's promises where the queue and the uploader misbehave: every photo gets an outcome even when
/// no attempt ever finishes, and a second upload never overwrites the variants of the first. The real processor,
/// store and emulated buckets — a table and buckets of this test's own, which raise no events.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class PhotoProcessingTests(TestTopology app) : IAsyncLifetime
{
    private IsolatedStorage _storage = null!;
    private IAmazonS3 _s3 = null!;
    private PhotoStore _photos = null!;
    private PhotoProcessor _processor = null!;

    private string Uploads => _storage.Bucket("up");
    private string Media => _storage.Bucket("media");

    public async Task InitializeAsync()
    {
        _storage = await IsolatedStorage.CreateAsync(app, "up", "media");
        _s3 = _storage.S3;
        _photos = new PhotoStore(_storage.Dynamo, _storage.Site, TimeProvider.System);
        _processor = new PhotoProcessor(_s3, _photos, new ThumbnailGenerator(),
            Options.Create(new BucketOptions { Uploads = Uploads, Media = Media }), TimeProvider.System,
            NullLogger<PhotoProcessor>.Instance);
    }

    public async Task DisposeAsync() => await _storage.DisposeAsync();

    private async Task<string> UploadAsync(byte[] bytes, string? id = null)
    {
        id ??= (await _photos.CreateAsync(new UploadRequest("p.jpg", "image/jpeg", bytes.Length), null, default)).Id;
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = Uploads, Key = Photo.OriginalKey(id), InputStream = new MemoryStream(bytes) });
        return id;
    }

    [Fact]
    public async Task The_last_delivery_before_the_dead_letter_queue_records_a_failure_instead_of_trying_again()
    {
        var id = await UploadAsync(TestImages.CameraJpeg(200, 100));

        var outcome = await _processor.ProcessAsync(Uploads, Photo.OriginalKey(id), AwsFunctions.Thumbnails.Queue.MaxReceiveCount, default);

        Assert.Equal(PhotoOutcome.Failed, outcome);
        var photo = await _photos.GetAsync(id, default);
        Assert.Equal(PhotoStatus.Failed, photo!.Status);
        Assert.Contains("could not be processed in 4 attempts", photo.FailureReason);
        Assert.Equal(PhotoOutcome.AlreadyProcessed, await _processor.ProcessAsync(Uploads, Photo.OriginalKey(id), 6, default)); // once
    }

    [Fact]
    public async Task A_second_upload_never_overwrites_the_variants_of_the_first()
    {
        var id = await UploadAsync(TestImages.CameraJpeg(200, 100));
        Assert.Equal(PhotoOutcome.Ready, await _processor.ProcessAsync(Uploads, Photo.OriginalKey(id), 1, default));
        using var before = await _s3.GetObjectAsync(Media, PhotoImage.VariantKey(id, 200, "jpg"));
        var etag = before.ETag;

        await UploadAsync(TestImages.Png(300, 300), id); // the same presigned URL, used again with another file
        Assert.Equal(PhotoOutcome.AlreadyProcessed, await _processor.ProcessAsync(Uploads, Photo.OriginalKey(id), 1, default));

        using var after = await _s3.GetObjectAsync(Media, PhotoImage.VariantKey(id, 200, "jpg"));
        Assert.Equal(etag, after.ETag);
        Assert.Equal(200, (await _photos.GetAsync(id, default))!.Image!.Width);
    }

    [Fact]
    public async Task While_one_upload_is_being_processed_another_of_the_same_photo_waits_its_turn()
    {
        var id = await UploadAsync(TestImages.CameraJpeg(200, 100));
        Assert.True(await _photos.TryClaimProcessingAsync(id, "\"the-first-upload\"", DateTimeOffset.UtcNow.AddMinutes(5), default));

        await Assert.ThrowsAsync<PhotoProcessor.BusyException>(() => _processor.ProcessAsync(Uploads, Photo.OriginalKey(id), 1, default));

        var listing = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Media, Prefix = $"media/{id}/" });
        Assert.Empty(listing.S3Objects ?? []);
    }
}
