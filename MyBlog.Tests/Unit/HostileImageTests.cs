using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MyBlog.Tests.Support;
using MyBlog.Workers.Thumbnails;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace MyBlog.Tests.Unit;

/// <summary>Files built to hurt the thumbnail worker: each ends as variants or as a refusal with a reason, never as an exception.</summary>
public sealed class HostileImageTests
{
    private readonly ThumbnailGenerator _generator = new();

    [Fact]
    public void A_PNG_whose_text_inflates_to_a_gigabyte_becomes_thumbnails_without_inflating_it()
    {
        var bomb = TestImages.PngWithCompressedText(1L << 30);
        Assert.True(bomb.Length < 2 * 1024 * 1024, $"the bomb is {bomb.Length} bytes");

        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var result = _generator.Generate(bomb);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;

        Assert.Null(result.Refusal);
        Assert.Equal(64, result.Width);
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated / (1024 * 1024)} MB allocated for a 64×48 photo");
    }

    [Fact]
    public void Inspecting_a_PNG_whose_text_inflates_to_a_gigabyte_reads_its_size_without_inflating_it()
    {
        var bomb = TestImages.PngWithCompressedText(1L << 30);

        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var check = _generator.Inspect(bomb);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;

        Assert.Null(check.Refusal);
        Assert.Equal((ImageKind.Png, 64, 48), (check.Kind, check.Width, check.Height));
        Assert.True(allocated < 16L * 1024 * 1024, $"{allocated / (1024 * 1024)} MB allocated to read a 64×48 photo's size");
    }

    [Fact]
    public void Inspecting_refuses_what_generating_refuses_and_turns_the_size_by_the_orientation()
    {
        Assert.NotNull(_generator.Inspect("<svg xmlns='http://www.w3.org/2000/svg'/>"u8.ToArray()).Refusal);
        Assert.NotNull(_generator.Inspect(TestImages.CameraJpeg(64, 48)[..200]).Refusal);
        var turned = _generator.Inspect(TestImages.CameraJpeg(64, 48, orientation: 6));
        Assert.Equal((48, 64), (turned.Width, turned.Height));
    }

    [Fact]
    public void A_16_bit_PNG_turned_by_its_EXIF_is_decoded_at_8_bits_and_turned_upright()
    {
        using var deep = new Image<Rgba64>(1200, 800);
        deep.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    row[x] = x < 600 ? new Rgba64(56000, 7000, 7000, 65535) : new Rgba64(7000, 7000, 56000, 65535);
                }
            }
        });
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Orientation, (ushort)6); // turn 90° clockwise to view
        deep.Metadata.ExifProfile = exif;
        using var file = new MemoryStream();
        deep.Save(file, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.RgbWithAlpha });

        var result = _generator.Generate(file.ToArray());

        Assert.Null(result.Refusal);
        Assert.Equal((800, 1200), (result.Width, result.Height));
        using var largest = Image.Load<Rgb24>(result.Variants.Last(v => v.Extension == "jpg").Bytes);
        Assert.True(largest[largest.Width / 2, 10].R > 150, "the red half is on top after turning");
        Assert.True(largest[largest.Width / 2, largest.Height - 10].B > 150, "the blue half is at the bottom");
    }

    public static TheoryData<string> Originals => ["jpeg", "png", "webp", "gif"];

    private static byte[] Original(string kind) => kind switch
    {
        "jpeg" => TestImages.CameraJpeg(120, 80, orientation: 6),
        "png" => TestImages.Png(120, 80),
        "webp" => TestImages.Webp(120, 80),
        _ => TestImages.Gif(120, 80, frames: 3),
    };

    [Theory]
    [MemberData(nameof(Originals))]
    public void Truncated_and_corrupted_copies_of_a_real_photo_never_escape_the_refusal_path(string kind)
    {
        var original = Original(kind);
        var random = new Random(kind.GetHashCode(StringComparison.Ordinal));
        for (var i = 0; i < 150; i++)
        {
            var bytes = i % 2 == 0 ? original[..random.Next(0, original.Length)] : (byte[])original.Clone();
            if (i % 2 == 1)
            {
                for (var flips = random.Next(1, 20); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }
            }
            var result = _generator.Generate(bytes); // throws only if the refusal path was escaped
            Assert.True(result.Refusal is not null || result.Variants.Count > 0);
        }
    }

    [Fact]
    public void Random_bytes_behind_each_format_s_signature_never_escape_the_refusal_path()
    {
        byte[][] signatures = [[0xFF, 0xD8, 0xFF], [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "GIF89a"u8.ToArray(), "RIFF\0\0\0\0WEBPVP8 "u8.ToArray(), []];
        var random = new Random(42);
        for (var i = 0; i < 400; i++)
        {
            var signature = signatures[i % signatures.Length];
            var bytes = new byte[signature.Length + random.Next(0, 4096)];
            random.NextBytes(bytes);
            signature.CopyTo(bytes, 0);
            var result = _generator.Generate(bytes);
            Assert.True(result.Refusal is not null || result.Variants.Count > 0);
        }
    }
}
