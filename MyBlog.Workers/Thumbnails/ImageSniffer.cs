using System.Buffers.Binary;
using System.Text;

namespace MyBlog.Workers.Thumbnails;

public enum ImageKind
{
    Jpeg,
    Png,
    Gif,
    Webp,
}

/// <summary>What the bytes say a file is: its kind and frame count, or why it cannot be a photo.</summary>
public sealed record SniffResult(ImageKind? Kind, int Frames, string? Refusal)
{
    public static SniffResult Refuse(string reason) => new(null, 0, reason);
}

/// <summary>
/// Decides what an upload is from its bytes alone (the file name and declared type are the author's browser's
/// guess, or an attacker's), and walks the container's structure to find truncation and count animation frames
/// before anything is decoded. Cheap: no pixel data is touched.
/// </summary>
public static class ImageSniffer
{
    public const int MaxFrames = 100;

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static SniffResult Sniff(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12)
        {
            return SniffResult.Refuse("The file is too short to be an image.");
        }
        if (data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return Checked(ImageKind.Jpeg, 1, JpegProblem(data));
        }
        if (data.StartsWith(PngSignature))
        {
            var (frames, problem) = WalkPng(data);
            return Checked(ImageKind.Png, frames, problem);
        }
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8))
        {
            var (frames, problem) = WalkGif(data);
            return Checked(ImageKind.Gif, frames, problem);
        }
        if (data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            var (frames, problem) = WalkWebp(data);
            return Checked(ImageKind.Webp, frames, problem);
        }
        return SniffResult.Refuse(Unsupported(data));
    }

    private static SniffResult Checked(ImageKind kind, int frames, string? problem) =>
        problem is not null ? SniffResult.Refuse(problem)
        : frames > MaxFrames ? SniffResult.Refuse($"The animation has more than {MaxFrames} frames.")
        : new SniffResult(kind, frames, null);

    /// <summary>Names what the file is when it is not one of the four accepted formats.</summary>
    private static string Unsupported(ReadOnlySpan<byte> data)
    {
        var text = data[..Math.Min(data.Length, 512)];
        if (text.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            text = text[3..];
        }
        var head = Encoding.UTF8.GetString(text).TrimStart().ToLowerInvariant();
        if (head.StartsWith("<svg", StringComparison.Ordinal) || (head.StartsWith('<') && head.Contains("<svg", StringComparison.Ordinal)))
        {
            return "SVG images are not accepted: they can carry scripts. Upload a JPEG, PNG, WebP or GIF.";
        }
        if (data[4..8].SequenceEqual("ftyp"u8) && (data[8..12].SequenceEqual("heic"u8) || data[8..12].SequenceEqual("heix"u8) || data[8..12].SequenceEqual("mif1"u8) || data[8..12].SequenceEqual("avif"u8)))
        {
            return "HEIC and AVIF photos are not accepted yet. Export the photo as JPEG and upload that.";
        }
        return "The file is not a JPEG, PNG, WebP or GIF image.";
    }

    /// <summary>Walks the JPEG's segments to its end-of-image marker; bytes after it (a phone's motion clip) are ignored.</summary>
    private static string? JpegProblem(ReadOnlySpan<byte> data)
    {
        const string Truncated = "The JPEG is truncated: it ends before its end-of-image marker.";
        var pos = 2;
        while (pos + 1 < data.Length)
        {
            if (data[pos] != 0xFF)
            {
                return "The JPEG is corrupt: a segment does not start with a marker.";
            }
            while (pos + 1 < data.Length && data[pos + 1] == 0xFF)
            {
                pos++; // fill bytes
            }
            if (pos + 1 >= data.Length)
            {
                return Truncated;
            }
            var marker = data[pos + 1];
            if (marker == 0xD9)
            {
                return null;
            }
            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
            {
                pos += 2;
                continue;
            }
            if (pos + 4 > data.Length)
            {
                return Truncated;
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > data.Length)
            {
                return Truncated;
            }
            pos += 2 + length;
            if (marker != 0xDA)
            {
                continue;
            }
            // Entropy-coded data follows a start-of-scan: it runs to the next marker that is not a stuffed 0xFF00 or a restart.
            while (pos + 1 < data.Length && !(data[pos] == 0xFF && data[pos + 1] != 0x00 && data[pos + 1] is not (>= 0xD0 and <= 0xD7)))
            {
                pos++;
            }
        }
        return Truncated;
    }

    /// <summary>
    /// The PNG without its text and colour-profile chunks (tEXt, zTXt, iTXt, iCCP). Three of them are compressed, and
    /// a decoder inflates them whole: a few kilobytes can claim a gigabyte before a pixel is read. The photo's
    /// metadata is dropped anyway, so they go before decoding. The data must have passed <see cref="Sniff"/>.
    /// </summary>
    public static byte[] PngWithoutMetadata(byte[] data)
    {
        using var kept = new MemoryStream(data.Length);
        kept.Write(data, 0, PngSignature.Length);
        var pos = PngSignature.Length;
        while (pos + 12 <= data.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos));
            var type = data.AsSpan(pos + 4, 4);
            var chunk = 12 + length;
            if (!(type.SequenceEqual("tEXt"u8) || type.SequenceEqual("zTXt"u8) || type.SequenceEqual("iTXt"u8) || type.SequenceEqual("iCCP"u8)))
            {
                kept.Write(data, pos, chunk);
            }
            if (type.SequenceEqual("IEND"u8))
            {
                break;
            }
            pos += chunk;
        }
        return kept.ToArray();
    }

    /// <summary>Walks PNG chunks to IEND; an APNG's acTL chunk gives its frame count.</summary>
    private static (int Frames, string? Problem) WalkPng(ReadOnlySpan<byte> data)
    {
        var frames = 1;
        var pos = PngSignature.Length;
        while (pos + 8 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = data.Slice(pos + 4, 4);
            if (length > int.MaxValue || pos + 12 + (long)length > data.Length)
            {
                break;
            }
            if (type.SequenceEqual("acTL"u8) && length >= 8)
            {
                frames = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8)..]));
            }
            if (type.SequenceEqual("IEND"u8))
            {
                return (frames, null);
            }
            pos += 12 + (int)length;
        }
        return (frames, "The PNG is truncated: it ends before its IEND chunk.");
    }

    /// <summary>Walks the GIF's blocks to its trailer, counting image descriptors (frames); stops counting past the limit.</summary>
    private static (int Frames, string? Problem) WalkGif(ReadOnlySpan<byte> data)
    {
        const string Truncated = "The GIF is truncated: it ends before its trailer.";
        if (data.Length < 13)
        {
            return (0, Truncated);
        }
        var pos = 13;
        var packed = data[10];
        if ((packed & 0x80) != 0)
        {
            pos += 3 * (1 << ((packed & 0x07) + 1));
        }
        var frames = 0;
        while (pos < data.Length)
        {
            switch (data[pos])
            {
                case 0x3B:
                    return frames == 0 ? (0, "The GIF has no image in it.") : (frames, null);
                case 0x21: // extension: label, then sub-blocks
                    if (!SkipSubBlocks(data, ref pos, pos + 2))
                    {
                        return (frames, Truncated);
                    }
                    break;
                case 0x2C: // image descriptor, optional local colour table, LZW code size, then sub-blocks
                    if (pos + 10 > data.Length)
                    {
                        return (frames, Truncated);
                    }
                    var local = data[pos + 9];
                    var start = pos + 10 + ((local & 0x80) != 0 ? 3 * (1 << ((local & 0x07) + 1)) : 0) + 1;
                    if (!SkipSubBlocks(data, ref pos, start))
                    {
                        return (frames, Truncated);
                    }
                    if (++frames > MaxFrames)
                    {
                        return (frames, null);
                    }
                    break;
                default:
                    return (frames, "The GIF is corrupt: an unknown block follows the image data.");
            }
        }
        return (frames, Truncated);
    }

    private static bool SkipSubBlocks(ReadOnlySpan<byte> data, ref int pos, int start)
    {
        var p = start;
        while (p < data.Length)
        {
            var size = data[p];
            p += 1 + size;
            if (size == 0)
            {
                pos = p;
                return p <= data.Length;
            }
        }
        return false;
    }

    /// <summary>Checks the RIFF length against the file and counts ANMF (animation frame) chunks.</summary>
    private static (int Frames, string? Problem) WalkWebp(ReadOnlySpan<byte> data)
    {
        var riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (riffEnd > data.Length)
        {
            return (0, "The WebP is truncated: it is shorter than its header declares.");
        }
        var frames = 0;
        var hasImage = false;
        var pos = 12;
        while (pos + 8 <= riffEnd)
        {
            var type = data.Slice(pos, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            if (pos + 8 + (long)size > riffEnd)
            {
                return (frames, "The WebP is truncated: a chunk runs past the end of the file.");
            }
            if (type.SequenceEqual("ANMF"u8))
            {
                frames++;
            }
            else if (type.SequenceEqual("VP8 "u8) || type.SequenceEqual("VP8L"u8))
            {
                hasImage = true;
            }
            pos += 8 + (int)size + (int)(size & 1);
        }
        return frames == 0 && !hasImage ? (0, "The WebP has no image in it.") : (Math.Max(frames, 1), null);
    }
}
