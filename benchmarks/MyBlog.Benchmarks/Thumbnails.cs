using System.Diagnostics;
using MyBlog.Workers.Thumbnails;
using NetVips;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace MyBlog.Benchmarks;

/// <summary>
/// A 12-megapixel camera JPEG → the eight variants (320/640/1280/1920 × WebP/JPEG): MyBlog's ThumbnailGenerator
/// (ImageSharp 2.1.13) against libvips (NetVips) doing the same work — decode, orient, strip metadata, resize,
/// encode at the same qualities — each engine in its own process so peak memory is its own.
/// </summary>
public static class Thumbnails
{
    private const int Runs = 7;

    /// <summary>A JPEG (4000 × 3000 unless told) with a photo's texture (gradients, detail and noise) and camera EXIF, orientation 6.</summary>
    public static void WritePhoto(string path, int width = 4000, int height = 3000)
    {
        using var image = new Image<Rgb24>(width, height);
        var random = new Random(12);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var sky = y < 1200;
                    var wave = Math.Sin(x / 37.0 + y / 53.0) * 30 + Math.Sin(x / 7.3) * Math.Cos(y / 5.1) * 12;
                    var noise = random.Next(-14, 15);
                    row[x] = sky
                        ? new Rgb24(Clamp(110 + y / 20 + noise), Clamp(160 + y / 25 + noise), Clamp(230 + noise))
                        : new Rgb24(Clamp(60 + wave + noise), Clamp(120 + wave / 2 + noise), Clamp(70 + (x * y % 97) / 3 + noise));
                }
            }
        });
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Orientation, (ushort)6);
        exif.SetValue(ExifTag.Make, "Benchmark");
        exif.SetValue(ExifTag.GPSLatitudeRef, "N");
        exif.SetValue(ExifTag.GPSLatitude, [new Rational(64, 1), new Rational(8, 1), new Rational(3012, 100)]);
        image.Metadata.ExifProfile = exif;
        image.SaveAsJpeg(path, new JpegEncoder { Quality = 92 });
    }

    /// <summary>
    /// A deep-colour photo at the pixel limit: a 16-bit RGBA PNG of 8660 × 5770 (just under 50 megapixels) with EXIF
    /// orientation 6, the worst a 1 GB thumbnail function is promised to take.
    /// </summary>
    public static void WriteDeepPhoto(string path, int width = 8660, int height = 5770)
    {
        using var image = new Image<Rgba64>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    row[x] = new Rgba64((ushort)(x * 7), (ushort)(y * 11), (ushort)((x ^ y) * 5), 65535);
                }
            }
        });
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Orientation, (ushort)6);
        image.Metadata.ExifProfile = exif;
        image.SaveAsPng(path, new SixLabors.ImageSharp.Formats.Png.PngEncoder
        {
            BitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit16,
            ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.RgbWithAlpha,
        });
    }

    private static byte Clamp(double v) => (byte)Math.Clamp(v, 0, 255);

    public static void Run(string engine, string path)
    {
        var bytes = File.ReadAllBytes(path);
        Func<long> work = engine switch
        {
            "imagesharp" => WithImageSharp(bytes),
            "libvips" => WithLibvips(bytes),
            _ => throw new ArgumentException($"Unknown engine '{engine}' (imagesharp | libvips)"),
        };
        work(); // warm-up: JIT, codec tables, thread pools
        var times = new List<double>();
        long output = 0;
        for (var i = 0; i < Runs; i++)
        {
            var clock = Stopwatch.StartNew();
            output = work();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        var peak = PeakResidentMegabytes();
        Console.WriteLine($"{engine}: {bytes.Length / 1024} KB JPEG → 8 variants ({output / 1024} KB): median {times[Runs / 2]:0} ms (min {times[0]:0}, max {times[^1]:0}) over {Runs} runs; peak RSS {peak} MB");
    }

    private static Func<long> WithImageSharp(byte[] bytes)
    {
        var generator = new ThumbnailGenerator();
        return () =>
        {
            var result = generator.Generate(bytes);
            if (result.Refusal is not null || result.Variants.Count != 8)
            {
                throw new InvalidOperationException(result.Refusal ?? $"{result.Variants.Count} variants");
            }
            return result.Variants.Sum(v => (long)v.Bytes.Length);
        };
    }

    /// <summary>
    /// libvips at its best: the largest size made straight from the buffer (shrink-on-load decodes the JPEG at
    /// reduced scale; EXIF orientation applied), held in memory, and the smaller sizes made from it, as
    /// MyBlog does; metadata stripped on save; the same qualities and WebP effort as MyBlog's encoders (its constants).
    /// </summary>
    private static Func<long> WithLibvips(byte[] bytes)
    {
        NetVips.Cache.Max = 0; // every run does the whole work
        return () =>
        {
            using var decoded = NetVips.Image.ThumbnailBuffer(bytes, 1920, height: 100_000, size: Enums.Size.Down);
            using var largest = decoded.CopyMemory();
            long total = 0;
            foreach (var width in new[] { 1920, 1280, 640, 320 })
            {
                using var thumbnail = width == largest.Width ? largest.Copy() : largest.ThumbnailImage(width, height: 100_000, size: Enums.Size.Down);
                total += thumbnail.WebpsaveBuffer(q: ThumbnailGenerator.WebpQuality, effort: (int)ThumbnailGenerator.WebpEffort, keep: Enums.ForeignKeep.None).Length;
                total += thumbnail.JpegsaveBuffer(q: ThumbnailGenerator.JpegQuality, keep: Enums.ForeignKeep.None).Length;
            }
            return total;
        };
    }

    private static long PeakResidentMegabytes() => PeakMemory.OfSelfKb() is var kb and >= 0 ? kb / 1024 : -1;
}
