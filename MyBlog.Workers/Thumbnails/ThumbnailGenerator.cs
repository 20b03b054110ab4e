using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace MyBlog.Workers.Thumbnails;

/// <summary>One resized image, encoded.</summary>
public sealed record ThumbnailVariant(int Width, int Height, string Extension, string ContentType, byte[] Bytes);

/// <summary>What became of a file: its oriented size and variants, or the reason it was refused.</summary>
/// <summary>An image checked before decoding: its kind and upright size, or why it is refused.</summary>
public sealed record ImageCheck(ImageKind? Kind, int Width, int Height, string? Refusal)
{
    public static ImageCheck Refuse(string reason) => new(null, 0, 0, reason);
}

public sealed record ThumbnailResult(ImageKind? Kind, int Width, int Height, IReadOnlyList<ThumbnailVariant> Variants, string? Refusal)
{
    public static ThumbnailResult Refuse(string reason) => new(null, 0, 0, [], reason);
}

/// <summary>
/// Turns an uploaded photo into the images readers get: the real type sniffed from the bytes, structure and limits
/// checked before any pixel is decoded, the camera's orientation applied, a wide-gamut photo's colours converted to
/// sRGB (<see cref="SrgbConversion"/>), every piece of metadata (EXIF with its GPS position, XMP, IPTC, ICC) dropped,
/// then widths 320, 640, 1280 and 1920 — never upscaled; a photo narrower than
/// 1920 also gets its own width as the largest — as WebP and JPEG.
/// </summary>
public sealed class ThumbnailGenerator
{
    public static readonly IReadOnlyList<int> StandardWidths = [320, 640, 1280, 1920];

    /// <summary>50 megapixels: about 200 MB decoded, the most a 1 GB function can hold with room to resize.</summary>
    public const long MaxPixels = 50_000_000;

    public const int JpegQuality = 82;
    public const int WebpQuality = 78;

    /// <summary>
    /// The lossy WebP encoder's effort (libwebp's "method", 0–6). At 1 this encoder makes files about 30 % smaller
    /// than at 2, at the same fidelity (PSNR within 0.1 dB on a camera photo) and in about two thirds of the time;
    /// 3 and above take three to four times as long for nothing a reader would see.
    /// </summary>
    public const WebpEncodingMethod WebpEffort = WebpEncodingMethod.Level1;

    private static readonly JpegEncoder Jpeg = new() { Quality = JpegQuality };
    private static readonly WebpEncoder Webp = new() { FileFormat = WebpFileFormatType.Lossy, Quality = WebpQuality, Method = WebpEffort };

    private const int PoolMegabytes = 48;

    private readonly Configuration _configuration;

    public ThumbnailGenerator()
    {
        _configuration = Configuration.Default.Clone();
        // One photo at a time: the pool keeps about one camera photo's decoded pixels (a 12-megapixel one is 36 MB)
        // for the next to reuse, and frees the rest. ImageSharp's default pool, sized for a server resizing many
        // images at once, would keep every buffer a photo ever needed; keeping none maps fresh memory for each one.
        _configuration.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { MaximumPoolSizeMegabytes = PoolMegabytes });
        NativeHeap.ReturnLargeBlocksOnFree();
        // Only the first frame of an animation is decoded; thumbnails are stills.
        _configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = SixLabors.ImageSharp.Metadata.FrameDecodingMode.First });
    }

    /// <summary>The widths to produce for an image <paramref name="width"/> pixels wide.</summary>
    public static IReadOnlyList<int> WidthsFor(int width)
    {
        var largest = Math.Min(width, StandardWidths[^1]);
        return [.. StandardWidths.Where(w => w < largest), largest];
    }

    /// <summary>
    /// The variants, or the reason there are none. Never throws for what the bytes contain: every way a decode can
    /// fail (a malformed file, one the decoder cannot handle, memory it would not get) is a refusal with a reason,
    /// recorded once; only cancellation escapes.
    /// </summary>
    public ThumbnailResult Generate(byte[] data, CancellationToken ct = default)
    {
        try
        {
            return GenerateOrThrow(data, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ThumbnailResult.Refuse(ex is OutOfMemoryException or InsufficientMemoryException
                ? "The image needs more memory to decode than a photo may use."
                : $"The image cannot be decoded: {ex.Message}");
        }
    }

    /// <summary>
    /// What an image is before any pixel is decoded — its kind and upright size — through the same guards as
    /// <see cref="Generate"/>: the sniffed structure, a PNG's text and colour-profile chunks removed (their compressed
    /// text can inflate to a gigabyte), the pixel limit. Every way the bytes can fail is a refusal, never an exception
    /// (only cancellation escapes). The importer asks this of each image an archive holds before it becomes a photo.
    /// </summary>
    public ImageCheck Inspect(byte[] data)
    {
        try
        {
            return Check(data).Check;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ImageCheck.Refuse(ex is OutOfMemoryException or InsufficientMemoryException
                ? "The image needs more memory to read than a photo may use."
                : $"The image cannot be read: {ex.Message}");
        }
    }

    /// <summary>The guards every image passes before it is decoded; answers the bytes to decode (a PNG without its metadata).</summary>
    private (ImageCheck Check, byte[] Data) Check(byte[] data)
    {
        var sniff = ImageSniffer.Sniff(data);
        if (sniff.Refusal is not null)
        {
            return (ImageCheck.Refuse(sniff.Refusal), data);
        }
        if (sniff.Kind == ImageKind.Png)
        {
            data = ImageSniffer.PngWithoutMetadata(data);
        }

        IImageInfo info;
        try
        {
            info = Image.Identify(_configuration, data, out _);
        }
        catch (Exception ex) when (ex is ImageFormatException or NotSupportedException or InvalidDataException)
        {
            return (ImageCheck.Refuse($"The image cannot be read: {ex.Message}"), data);
        }
        if (info is null || info.Width <= 0 || info.Height <= 0)
        {
            return (ImageCheck.Refuse("The image cannot be read: it has no dimensions."), data);
        }
        // Every decoded frame of an animated WebP is held in memory, so the limit covers all of them.
        var decodedFrames = sniff.Kind == ImageKind.Webp ? sniff.Frames : 1;
        var pixels = (long)info.Width * info.Height;
        if (pixels * decodedFrames > MaxPixels)
        {
            return (ImageCheck.Refuse(decodedFrames > 1
                ? $"The animation is too large: {decodedFrames} frames of {info.Width}×{info.Height} exceed {MaxPixels / 1_000_000} megapixels in all."
                : $"The image is too large: {info.Width}×{info.Height} is more than {MaxPixels / 1_000_000} megapixels."), data);
        }
        var turned = info.Metadata.ExifProfile?.GetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Orientation)?.Value is >= 5 and <= 8;
        return (new ImageCheck(sniff.Kind, turned ? info.Height : info.Width, turned ? info.Width : info.Height, null), data);
    }

    private ThumbnailResult GenerateOrThrow(byte[] data, CancellationToken ct)
    {
        (var check, data) = Check(data);
        if (check.Refusal is not null)
        {
            return ThumbnailResult.Refuse(check.Refusal);
        }
        var kind = check.Kind!.Value;

        // Decoded at 8 bits a channel whatever the file holds: a JPEG as 3 bytes a pixel, anything that may have
        // transparency as 4 — never 8 for a 16-bit PNG, so 50 megapixels stay at 200 MB (and as much again while
        // the camera's orientation is applied), inside a 1 GB function.
        Image image;
        try
        {
            image = kind == ImageKind.Jpeg ? Image.Load<Rgb24>(_configuration, data) : Image.Load<Rgba32>(_configuration, data);
        }
        catch (Exception ex) when (ex is ImageFormatException or NotSupportedException or InvalidDataException)
        {
            return ThumbnailResult.Refuse($"The image cannot be decoded: {ex.Message}");
        }

        // Every image made here, disposed once at the end (the full-size one earlier, as soon as it is resized).
        var owned = new List<Image> { image };
        Task<ThumbnailVariant>? largestWebp = null;
        try
        {
            ct.ThrowIfCancellationRequested();
            while (image.Frames.Count > 1)
            {
                image.Frames.RemoveFrame(1);
            }
            var toSrgb = SrgbConversion.For(image.Metadata.IccProfile);
            if (kind != ImageKind.Jpeg)
            {
                // JPEG has no transparency; flatten onto white rather than let transparent pixels turn black.
                image.Mutate(x => x.BackgroundColor(Color.White));
            }

            // The camera's orientation is applied to the largest variant, not the full-size photo: turning 12
            // megapixels costs as much time as the resize and a second full-size buffer. Sizes are upright ones.
            var (width, height) = (check.Width, check.Height);
            var turned = image.Width != width;
            var variants = new List<ThumbnailVariant>();
            Image? previous = null;
            // Largest first; each smaller size is resampled from the one before. The largest WebP, by far the longest
            // encoding, runs on its own thread from the moment its size exists; everything else runs here meanwhile,
            // one thing at a time, so at most two threads are busy and that encoding is never held up by the rest.
            foreach (var target in WidthsFor(width).Reverse())
            {
                ct.ThrowIfCancellationRequested();
                var targetHeight = Math.Max(1, (int)Math.Round(height * (double)target / width));
                Image size;
                if (previous is null)
                {
                    size = image;
                    if (target != width)
                    {
                        var (w, h) = turned ? (targetHeight, target) : (target, targetHeight);
                        size = image.Clone(x => x.Resize(w, h, KnownResamplers.Bicubic));
                        owned.Add(size);
                        owned.Remove(image);
                        image.Dispose(); // the full-size pixels go as soon as the largest variant exists
                    }
                    size.Mutate(x => x.AutoOrient());
                    StripMetadata(size);
                    // Once, on the largest variant (at most 1920 wide): the smaller ones are resampled from it.
                    toSrgb?.Apply(size);
                    largestWebp = Task.Run(() => Encode(size, "webp", "image/webp", Webp), ct);
                }
                else
                {
                    size = previous.Clone(x => x.Resize(target, targetHeight, KnownResamplers.Bicubic));
                    owned.Add(size);
                    variants.Add(Encode(size, "webp", "image/webp", Webp));
                }
                variants.Add(Encode(size, "jpg", "image/jpeg", Jpeg));
                previous = size;
            }
            variants.Add(largestWebp!.GetAwaiter().GetResult());
            variants.Sort((a, b) => a.Width != b.Width ? a.Width.CompareTo(b.Width) : string.CompareOrdinal(a.Extension, b.Extension));
            return new ThumbnailResult(kind, width, height, variants, null);
        }
        finally
        {
            // The largest WebP's encoding has ended (or failed) before its pixels go.
            largestWebp?.ContinueWith(_ => { }, TaskScheduler.Default).Wait(CancellationToken.None);
            foreach (var made in owned)
            {
                made.Dispose();
            }
        }
    }

    private static ThumbnailVariant Encode(Image image, string extension, string contentType, IImageEncoder encoder)
    {
        using var output = new MemoryStream();
        image.Save(output, encoder);
        return new ThumbnailVariant(image.Width, image.Height, extension, contentType, output.ToArray());
    }

    /// <summary>Nothing from the camera reaches a reader: no EXIF (GPS, serial numbers), XMP, IPTC, ICC or comments.</summary>
    private static void StripMetadata(Image image)
    {
        image.Metadata.ExifProfile = null;
        image.Metadata.XmpProfile = null;
        image.Metadata.IptcProfile = null;
        image.Metadata.IccProfile = null;
        foreach (var frame in image.Frames)
        {
            frame.Metadata.ExifProfile = null;
            frame.Metadata.XmpProfile = null;
            frame.Metadata.IptcProfile = null;
            frame.Metadata.IccProfile = null;
        }
        image.Metadata.GetGifMetadata().Comments.Clear();
        image.Metadata.GetPngMetadata().TextData.Clear();
    }
}
