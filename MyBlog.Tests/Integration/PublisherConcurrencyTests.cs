using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Storage;
using MyBlog.Site.Building;
using MyBlog.Tests.Support;
using MyBlog.Workers.Publishing;

namespace MyBlog.Tests.Integration;

/// <summary>
/// Publishers that run at once — stream shards, a deploy's rebuild, the start-up build — on the emulators, each
/// test with a table and a site bucket of its own (no stream consumer or edge reads them): the real publisher, the
/// real stores, the real lock.
/// </summary>
[Collection(TestTopologyCollection.Name)]
public sealed class PublisherConcurrencyTests(TestTopology app) : IAsyncLifetime
{
    private IsolatedStorage _storage = null!;
    private IAmazonDynamoDB _dynamo = null!;
    private IAmazonS3 _s3 = null!;
    private PostStore _posts = null!;
    private SiteRenderer _renderer = null!;
    private string _bucket = null!;

    public async Task InitializeAsync()
    {
        _storage = await IsolatedStorage.CreateAsync(app, "site");
        (_dynamo, _s3, _bucket) = (_storage.Dynamo, _storage.S3, _storage.Bucket("site"));
        _posts = new PostStore(_dynamo, Site, TimeProvider.System);
        _renderer = new SiteRenderer();
    }

    public async Task DisposeAsync()
    {
        await _renderer.DisposeAsync();
        await _storage.DisposeAsync();
    }

    private IOptions<MyBlogOptions> Site => _storage.Site;

    private SitePublisher Publisher(TimeSpan? lease = null)
    {
        var publishing = Options.Create(new PublishingOptions { LockLease = lease ?? TimeSpan.FromMinutes(2), LockWait = TimeSpan.FromMinutes(1) });
        return new SitePublisher(_posts, new PhotoStore(_dynamo, Site, TimeProvider.System), new MyBlog.Core.Settings.SettingsStore(_dynamo, Site),
            new SiteBuilder(_renderer, new SiteInfo("Race", new Uri("http://localhost:8080/"), SiteAssets.Load())),
            new SiteBucket(_s3, Options.Create(new BucketOptions { Site = _bucket })),
            new LocalEdgeInvalidator(new HttpClient(), publishing, NullLogger<LocalEdgeInvalidator>.Instance),
            Lock(publishing), publishing, NullLogger<SitePublisher>.Instance);
    }

    private PublishLock Lock(IOptions<PublishingOptions> publishing) => new(_dynamo, Site, Options.Create(new BucketOptions { Site = _bucket }), publishing, TimeProvider.System);

    private PublishLock LockIn(string region, string bucket) => new(_dynamo,
        Options.Create(new MyBlogOptions { TableName = Site.Value.TableName, Region = region }),
        Options.Create(new BucketOptions { Site = bucket }), Options.Create(new PublishingOptions()), TimeProvider.System);

    private async Task<Post> PublishedPostAsync(string title)
    {
        Assert.True(new PostInput(title, $"Text of {title}", ["race"], null).TryValidate(out var valid, out _));
        var post = await _posts.CreateAsync(valid, null, default);
        return (await _posts.SetStatusAsync(post.Slug, PostStatus.Published, post.Version, null, default, sendEmail: false)).Post!;
    }

    private async Task<Dictionary<string, string>> ManifestAsync()
    {
        using var manifest = await _s3.GetObjectAsync(_bucket, SiteBucket.ManifestKey);
        return (await JsonSerializer.DeserializeAsync<Dictionary<string, string>>(manifest.ResponseStream))!;
    }

    private async Task<HashSet<string>> PageKeysAsync()
    {
        var keys = new HashSet<string>();
        var request = new ListObjectsV2Request { BucketName = _bucket };
        ListObjectsV2Response response;
        do
        {
            response = await _s3.ListObjectsV2Async(request);
            keys.UnionWith((response.S3Objects ?? []).Select(o => o.Key).Where(k => !k.StartsWith("_publisher/", StringComparison.Ordinal)));
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
        return keys;
    }

    [Fact]
    public async Task Racing_publishers_lose_no_manifest_entry_and_an_unpublished_post_stays_gone()
    {
        for (var i = 0; i < 25; i++)
        {
            await PublishedPostAsync($"Post {i}");
        }
        await Publisher().RebuildAsync(default);

        for (var round = 0; round < 3; round++)
        {
            var leaving = (await _posts.AllPublishedAsync(default))[round];
            var arriving = await PublishedPostAsync($"Arriving {round}");
            await _posts.SetStatusAsync(leaving.Slug, PostStatus.Draft, leaving.Version, null, default);

            await Task.WhenAll(
                Task.Run(() => Publisher().RebuildAsync(default)),
                Task.Run(() => Publisher().PublishAsync([leaving.Slug], default)),
                Task.Run(() => Publisher().PublishAsync([arriving.Slug], default)));

            var manifest = await ManifestAsync();
            var pages = await PageKeysAsync();
            // Every page is in the manifest, and nothing else but the publisher's note of the navigation ('#…', not an object).
            Assert.Equal(pages.Order(), manifest.Keys.Where(k => !k.StartsWith('#')).Order());
            Assert.DoesNotContain($"posts/{leaving.Slug}/index.html", pages);
            Assert.Contains($"posts/{arriving.Slug}/index.html", pages);
        }
    }

    /// <summary>
    /// A publish renders only the list pages its change lands on (the manifest keeps what each list page was rendered
    /// from), and leaves the site exactly as a full render would: the rebuild after it finds nothing to write.
    /// </summary>
    [Fact]
    public async Task A_publish_renders_the_lists_its_post_lands_on_and_leaves_the_site_as_a_full_render_would()
    {
        for (var i = 0; i < 45; i++)
        {
            await PublishedPostAsync($"Listed {i}");
        }
        var built = await Publisher().RebuildAsync(default);
        Assert.Contains(await ManifestAsync(), e => e.Key == "#inputs:page/5/index.html");

        var arriving = await PublishedPostAsync("Arriving");
        var published = await Publisher().PublishAsync([arriving.Slug], default);
        // The post, the home page, the newest archive page, the tag's first and newest pages; feeds, sitemap and the
        // fixed pages are rendered every time — but not the archive's and the tag's older pages.
        var fixedPages = SiteAssets.Load().Files.Count + 6;
        Assert.InRange(published.Rendered, 3, 1 + 4 + fixedPages);
        Assert.True(published.Rendered < built.Rendered - 40, $"rendered {published.Rendered} of {built.Rendered}");
        Assert.Equal(0, (await Publisher().RebuildAsync(default)).Written);

        // An older post leaving moves every later one a place: the pages after it are rendered again, and no others.
        var leaving = (await _posts.AllPublishedAsync(default)).Single(p => p.Title == "Listed 12");
        await _posts.SetStatusAsync(leaving.Slug, PostStatus.Draft, leaving.Version, null, default);
        var left = await Publisher().PublishAsync([leaving.Slug], default);
        Assert.True(left.Rendered < built.Rendered - 40, $"rendered {left.Rendered} of {built.Rendered}");
        Assert.DoesNotContain($"posts/{leaving.Slug}/index.html", await PageKeysAsync());
        Assert.Equal(0, (await Publisher().RebuildAsync(default)).Written);
    }

    [Fact]
    public async Task A_publish_waits_while_another_publisher_holds_the_site()
    {
        var post = await PublishedPostAsync("Waiting");
        var publishing = Options.Create(new PublishingOptions());
        var held = await Lock(publishing).AcquireAsync(TimeSpan.Zero, default);

        var publish = Publisher().PublishAsync([post.Slug], default);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(publish.IsCompleted);

        await held.DisposeAsync();
        await publish.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains($"posts/{post.Slug}/index.html", await PageKeysAsync());
    }

    [Fact]
    public async Task Each_region_s_publisher_locks_its_own_site_bucket_and_regions_sharing_a_bucket_share_its_lock()
    {
        // One table item per bucket, written only by the region whose bucket it is: replication never overwrites a lock.
        await using var home = await LockIn("us-east-1", "site-us-east-1").AcquireAsync(TimeSpan.Zero, default);
        await using var away = await LockIn("eu-west-1", "site-eu-west-1").AcquireAsync(TimeSpan.Zero, default);
        await Assert.ThrowsAsync<PublishBusyException>(() => LockIn("eu-west-1", "site-us-east-1").AcquireAsync(TimeSpan.Zero, default));
        Assert.Equal("LOCK", Lock(Options.Create(new PublishingOptions())).SortKey); // one region: the lock it always had
    }

    [Fact]
    public async Task A_publisher_that_died_holding_the_site_frees_it_when_its_lease_ends()
    {
        var post = await PublishedPostAsync("After a crash");
        var dead = Options.Create(new PublishingOptions { LockLease = TimeSpan.FromSeconds(2) });
        _ = await Lock(dead).AcquireAsync(TimeSpan.Zero, default); // never released: its holder is gone

        await Publisher().PublishAsync([post.Slug], default).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains($"posts/{post.Slug}/index.html", await PageKeysAsync());
    }

    [Fact]
    public async Task A_publish_shows_its_post_in_the_lists_even_when_the_list_index_has_not_caught_up()
    {
        await PublishedPostAsync("Older");
        await Publisher().RebuildAsync(default);
        var draft = await PublishedPostAsync("Just published");
        // The index lags behind the item (as a global secondary index may): it still lists the post as a draft.
        await _dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _storage.Name,
            Key = PostStore.Key(draft.Slug),
            UpdateExpression = "SET gsi1pk = :draft",
            ExpressionAttributeValues = new() { [":draft"] = new AttributeValue(PostStore.ListKey(PostKind.Post, PostStatus.Draft)) },
        });

        await Publisher().PublishAsync([draft.Slug], default);

        using var home = await _s3.GetObjectAsync(_bucket, "index.html");
        Assert.Contains("Just published", await new StreamReader(home.ResponseStream).ReadToEndAsync());
    }
}
