using System.Text;
using MyBlog.Tests.Support;
using MyBlog.Workers.Thumbnails;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MyBlog.Tests.Unit;

public sealed class ThumbnailGeneratorTests
{
    private static readonly ThumbnailGenerator Generator = new();

    [Fact]
    public void The_type_comes_from_the_bytes_not_the_name()
    {
        Assert.Equal(ImageKind.Jpeg, ImageSniffer.Sniff(TestImages.CameraJpeg(40, 20)).Kind);
        Assert.Equal(ImageKind.Png, ImageSniffer.Sniff(TestImages.Png(40, 20)).Kind);
        Assert.Equal(ImageKind.Webp, ImageSniffer.Sniff(TestImages.Webp(40, 20)).Kind);
        var gif = ImageSniffer.Sniff(TestImages.Gif(40, 20, frames: 3));
        Assert.Equal((ImageKind.Gif, 3), (gif.Kind!.Value, gif.Frames));
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "SVG")]
    [InlineData("  <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>", "SVG")]
    [InlineData("%PDF-1.7\n%âãÏÓ\n1 0 obj", "not a JPEG, PNG, WebP or GIF")]
    [InlineData("just some text that someone named photo.jpg", "not a JPEG, PNG, WebP or GIF")]
    [InlineData("\0\0\0\u0018ftypheic\0\0\0\0mif1heic", "HEIC")]
    public void Svg_and_non_images_are_refused_with_a_reason(string content, string reason)
    {
        var result = Generator.Generate(Encoding.UTF8.GetBytes(content));
        Assert.Null(result.Kind);
        Assert.Contains(reason, result.Refusal);
        Assert.Empty(result.Variants);
    }

    [Fact]
    public void Truncated_files_are_refused_before_decoding()
    {
        var jpeg = TestImages.CameraJpeg(300, 200);
        var png = TestImages.Png(300, 200);
        var gif = TestImages.Gif(300, 200, frames: 2);
        var webp = TestImages.Webp(300, 200);
        Assert.Contains("JPEG is truncated", Generator.Generate(jpeg[..(jpeg.Length / 2)]).Refusal);
        Assert.Contains("JPEG is truncated", Generator.Generate(jpeg[..^2]).Refusal);
        Assert.Contains("PNG is truncated", Generator.Generate(png[..^20]).Refusal);
        Assert.Contains("GIF is truncated", Generator.Generate(gif[..^10]).Refusal);
        Assert.Contains("WebP is truncated", Generator.Generate(webp[..^10]).Refusal);
    }

    [Fact]
    public void Bytes_after_a_JPEGs_end_marker_are_ignored()
    {
        // Phones append a motion clip after the photo; the photo itself is whole.
        var jpeg = TestImages.CameraJpeg(100, 50).Concat(Encoding.ASCII.GetBytes("....ftypmp42 trailing video")).ToArray();
        Assert.Null(ImageSniffer.Sniff(jpeg).Refusal);
    }

    [Fact]
    public void More_than_100_frames_is_refused_by_counting_not_decoding()
    {
        var result = Generator.Generate(TestImages.Gif(8, 8, frames: 101));
        Assert.Contains("more than 100 frames", result.Refusal);
        Assert.Null(Generator.Generate(TestImages.Gif(8, 8, frames: 100)).Refusal);
    }

    [Fact]
    public void More_than_50_megapixels_is_refused_from_the_header()
    {
        // A valid GIF whose screen is 8000 × 7000 (56 MP) holding one pixel: tiny on disk, huge once decoded.
        byte[] gif =
        [
            .. "GIF89a"u8, 0x40, 0x1F, 0x58, 0x1B, 0x00, 0x00, 0x00,
            0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00,
            0x3B,
        ];
        Assert.Null(ImageSniffer.Sniff(gif).Refusal);
        Assert.Contains("more than 50 megapixels", Generator.Generate(gif).Refusal);
    }

    [Theory]
    [InlineData(4000, new[] { 320, 640, 1280, 1920 })]
    [InlineData(1920, new[] { 320, 640, 1280, 1920 })]
    [InlineData(1000, new[] { 320, 640, 1000 })]
    [InlineData(320, new[] { 320 })]
    [InlineData(200, new[] { 200 })]
    public void Widths_are_the_standard_ones_below_the_photo_plus_its_own_never_upscaled(int width, int[] expected) =>
        Assert.Equal(expected, ThumbnailGenerator.WidthsFor(width));

    [Fact]
    public void A_rotated_camera_photo_is_turned_upright_and_loses_every_piece_of_metadata()
    {
        // Orientation 6: stored on its side, shown turned 90° clockwise — the stored left (red) becomes the top.
        var result = Generator.Generate(TestImages.CameraJpeg(2400, 1600, orientation: 6));

        Assert.Null(result.Refusal);
        Assert.Equal((1600, 2400), (result.Width, result.Height));
        Assert.Equal([320, 320, 640, 640, 1280, 1280, 1600, 1600], result.Variants.Select(v => v.Width));
        Assert.Equal(4, result.Variants.Count(v => v.Extension == "webp" && v.ContentType == "image/webp"));
        Assert.Equal(4, result.Variants.Count(v => v.Extension == "jpg" && v.ContentType == "image/jpeg"));
        foreach (var variant in result.Variants)
        {
            using var image = Image.Load<Rgba32>(variant.Bytes);
            Assert.Equal((variant.Width, variant.Height), (image.Width, image.Height));
            Assert.Equal(variant.Width * 3 / 2, variant.Height, tolerance: 1);
            Assert.Null(image.Metadata.ExifProfile);
            Assert.Null(image.Metadata.XmpProfile);
            Assert.Null(image.Metadata.IccProfile);
            Assert.True(IsClose(image[image.Width / 2, image.Height / 8], TestImages.Red), $"{variant.Width}.{variant.Extension}: top is red");
            Assert.True(IsClose(image[image.Width / 2, image.Height * 7 / 8], TestImages.Blue), $"{variant.Width}.{variant.Extension}: bottom is blue");
            Assert.DoesNotContain("TestCam", Encoding.Latin1.GetString(variant.Bytes));
            Assert.DoesNotContain("Exif", Encoding.Latin1.GetString(variant.Bytes));
        }
    }

    [Fact]
    public void Small_images_are_never_upscaled_and_animations_become_their_first_frame()
    {
        var result = Generator.Generate(TestImages.Gif(200, 100, frames: 3));
        Assert.Equal(ImageKind.Gif, result.Kind);
        Assert.Equal([(200, 100, "jpg"), (200, 100, "webp")], result.Variants.Select(v => (v.Width, v.Height, v.Extension)));
        using var webp = Image.Load(result.Variants[1].Bytes);
        Assert.Equal(1, webp.Frames.Count);
    }

    [Fact]
    public void The_same_file_gives_the_same_bytes_so_redelivery_rewrites_identical_objects()
    {
        var jpeg = TestImages.CameraJpeg(900, 600, orientation: 3);
        var first = Generator.Generate(jpeg);
        var second = Generator.Generate(jpeg);
        Assert.Equal(first.Variants.Select(v => Convert.ToHexString(v.Bytes)), second.Variants.Select(v => Convert.ToHexString(v.Bytes)));
    }

    private static bool IsClose(Rgba32 actual, Rgba32 expected) =>
        Math.Abs(actual.R - expected.R) < 40 && Math.Abs(actual.G - expected.G) < 40 && Math.Abs(actual.B - expected.B) < 40;
}
