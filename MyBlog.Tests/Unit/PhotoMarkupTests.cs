using System.Text.RegularExpressions;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Site.Building;

namespace MyBlog.Tests.Unit;

public sealed class PhotoMarkupTests
{
    private const string Beach = "0123456789abcdef0123456789abcdef";
    private const string Hills = "fedcba9876543210fedcba9876543210";

    private static readonly Dictionary<string, PhotoImage> Photos = new()
    {
        [Beach] = new PhotoImage(Beach, 1600, 2400, [320, 640, 1280, 1600]),
        [Hills] = new PhotoImage(Hills, 900, 600, [320, 640, 900]),
    };

    [Fact]
    public void A_photo_becomes_a_picture_with_webp_first_every_width_and_its_size()
    {
        var html = PostContent.ToHtml($"![Beach at noon](/media/{Beach}/1600.jpg)", Photos);

        Assert.Contains($"<picture><source type=\"image/webp\" srcset=\"/media/{Beach}/320.webp 320w, /media/{Beach}/640.webp 640w, /media/{Beach}/1280.webp 1280w, /media/{Beach}/1600.webp 1600w\" sizes=\"{PhotoMarkup.ContentSizes}\">", html);
        Assert.Contains($"<img src=\"/media/{Beach}/1280.jpg\" srcset=\"/media/{Beach}/320.jpg 320w,", html);
        Assert.Contains("width=\"1600\" height=\"2400\" alt=\"Beach at noon\"", html);
        Assert.DoesNotContain("loading=\"lazy\"", html);
    }

    [Fact]
    public void Photos_after_the_first_load_lazily_and_all_do_under_a_cover()
    {
        var markdown = $"![one](/media/{Beach}/1280.jpg)\n\ntext\n\n![two](/media/{Hills}/900.jpg)";
        Assert.Equal(1, Regex.Count(PostContent.ToHtml(markdown, Photos), "loading=\"lazy\""));
        Assert.Equal(2, Regex.Count(PostContent.ToHtml(markdown, Photos, lazyFromFirst: true), "loading=\"lazy\""));
    }

    [Fact]
    public void Unknown_photos_stay_plain_images_and_alt_text_is_escaped()
    {
        var unknown = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        var html = PostContent.ToHtml($"![a \"quoted\" & <3](/media/{Hills}/640.jpg) ![x](/media/{unknown}/640.jpg)", Photos);
        Assert.True(html.Contains("alt=\"a &quot;quoted&quot; &amp; &lt;3\""), html);
        Assert.Contains($"<img src=\"/media/{unknown}/640.jpg\" alt=\"x\"", html);
        Assert.Equal([Hills, unknown], PhotoMarkup.ReferencedIds($"![a](/media/{Hills}/640.jpg) ![x](/media/{unknown}/640.webp) ![b](/media/{Hills}/320.jpg)"));
    }

    [Fact]
    public void Pictures_survive_the_sanitizer_in_posts_with_raw_HTML()
    {
        var html = PostContent.ToHtml($"<div onclick=\"x()\">raw</div>\n\n![Hills](/media/{Hills}/900.jpg)", Photos);
        Assert.DoesNotContain("onclick", html);
        Assert.Contains("<picture><source type=\"image/webp\" srcset=", html);
        Assert.Contains("sizes=", html);
        Assert.Contains("width=\"900\" height=\"600\"", html);
    }

    [Fact]
    public async Task A_cover_photo_heads_the_page_and_is_its_open_graph_image()
    {
        await using var renderer = new SiteRenderer();
        var builder = new SiteBuilder(renderer, new SiteInfo("Notes", new Uri("https://notes.example.com/"), SiteAssets.Load()));
        var post = new Post("trip", "Trip", $"Intro\n\n![Hills](/media/{Hills}/900.jpg)", [], null, PostStatus.Published, 1,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch) { CoverPhotoId = Beach };

        var html = System.Text.Encoding.UTF8.GetString((await builder.PostPageAsync(post, photos: Photos)).Body);

        Assert.True(html.Contains($"<meta property=\"og:image\" content=\"https://notes.example.com/media/{Beach}/1280.jpg\""), html);
        Assert.Contains("<meta property=\"og:image:width\" content=\"1280\"", html);
        Assert.Contains("<meta property=\"og:image:height\" content=\"1920\"", html);
        Assert.Contains("summary_large_image", html);
        Assert.True(html.Contains($"<figure class=\"cover\"><picture><source type=\"image/webp\" srcset=\"/media/{Beach}/320.webp"), html);
        Assert.Contains("fetchpriority=\"high\"", html);
        Assert.Equal(1, Regex.Count(html, "loading=\"lazy\"")); // the in-text photo; the cover loads at once
    }
}
