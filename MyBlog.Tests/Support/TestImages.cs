using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace MyBlog.Tests.Support;

/// <summary>
/// Photos made for tests: the left half red and the right half blue as stored, so where the colours end up shows
/// which way the image was turned; optionally with a camera's EXIF (orientation, GPS position, make and model).
/// </summary>
public static class TestImages
{
    public static readonly Rgba32 Red = new(220, 30, 30);
    public static readonly Rgba32 Blue = new(30, 30, 220);

    public static Image<Rgba32> SplitImage(int width, int height)
    {
        var image = new Image<Rgba32>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    row[x] = x < width / 2 ? Red : Blue;
                }
            }
        });
        return image;
    }

    /// <summary>A camera JPEG: EXIF orientation <paramref name="orientation"/> and a GPS position (Reykjavík).</summary>
    public static byte[] CameraJpeg(int width, int height, ushort orientation = 1)
    {
        using var image = SplitImage(width, height);
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Orientation, orientation);
        exif.SetValue(ExifTag.Make, "TestCam");
        exif.SetValue(ExifTag.Model, "Model GPS-1");
        exif.SetValue(ExifTag.GPSLatitudeRef, "N");
        exif.SetValue(ExifTag.GPSLatitude, [new Rational(64, 1), new Rational(8, 1), new Rational(3012, 100)]);
        exif.SetValue(ExifTag.GPSLongitudeRef, "W");
        exif.SetValue(ExifTag.GPSLongitude, [new Rational(21, 1), new Rational(56, 1), new Rational(1234, 100)]);
        image.Metadata.ExifProfile = exif;
        return Encode(image, new JpegEncoder { Quality = 90 });
    }

    public static byte[] Png(int width, int height)
    {
        using var image = SplitImage(width, height);
        return Encode(image, new PngEncoder());
    }

    public static byte[] Webp(int width, int height)
    {
        using var image = SplitImage(width, height);
        return Encode(image, new WebpEncoder());
    }

    public static byte[] Gif(int width, int height, int frames)
    {
        using var image = SplitImage(width, height);
        for (var i = 1; i < frames; i++)
        {
            using var frame = SplitImage(width, height);
            image.Frames.AddFrame(frame.Frames.RootFrame);
        }
        return Encode(image, new GifEncoder());
    }

    /// <summary>A PNG with a zTXt chunk after IHDR whose text inflates to <paramref name="inflatedBytes"/>.</summary>
    public static byte[] PngWithCompressedText(long inflatedBytes)
    {
        var png = TestImages.Png(64, 48);
        using var text = new MemoryStream();
        text.Write("Comment"u8);
        text.WriteByte(0); // end of keyword
        text.WriteByte(0); // deflate
        using (var zlib = new ZLibStream(text, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (long written = 0; written < inflatedBytes; written += zeros.Length)
            {
                zlib.Write(zeros);
            }
        }
        var afterHeader = 8 + 12 + 13; // signature, IHDR chunk
        using var output = new MemoryStream();
        output.Write(png, 0, afterHeader);
        WriteChunk(output, "zTXt", text.ToArray());
        output.Write(png, afterHeader, png.Length - afterHeader);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(number, (uint)data.Length);
        output.Write(number);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typeAndData));
        output.Write(number);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }

    private static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var output = new MemoryStream();
        image.Save(output, encoder);
        return output.ToArray();
    }
}
