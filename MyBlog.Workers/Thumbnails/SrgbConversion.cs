using System.Buffers.Binary;
using System.Numerics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Icc;
using SixLabors.ImageSharp.Processing;

namespace MyBlog.Workers.Thumbnails;

/// <summary>
/// Brings a wide-gamut photo (a phone's Display P3, a camera's Adobe RGB) into sRGB, the colour space every browser
/// assumes for an image without a profile. The variants are stripped of metadata, ICC profile included, so the
/// pixels themselves must be sRGB: left as they are, P3 values read as sRGB look washed out.
/// <para>
/// Handles the matrix/TRC profiles that cameras and phones embed (three tone curves and three colourant columns,
/// as ICC.1 §F.3 defines them): decode each channel through its curve, map through the colourants to the profile
/// connection space (CIE XYZ, D50), then into sRGB's D50-adapted primaries and encode with sRGB's curve. Colours
/// outside sRGB are clipped, as a browser does (relative colorimetric). A profile of another shape (lookup tables,
/// greyscale, CMYK) is left alone: its pixels are kept as they are, which is what happened to every photo before.
/// </para>
/// </summary>
public static class SrgbConversion
{
    /// <summary>sRGB's colourants adapted to D50, as the sRGB ICC profile (IEC 61966-2-1) carries them.</summary>
    private static readonly Matrix3 SrgbToXyz = new(
        0.4360747f, 0.3850649f, 0.1430804f,
        0.2225045f, 0.7168786f, 0.0606169f,
        0.0139322f, 0.0971045f, 0.7141733f);

    private static readonly Matrix3 XyzToSrgb = SrgbToXyz.Inverse();

    private const int EncodeTableSize = 4096;

    /// <summary>Linear light (0–1, in steps of 1/4095) to an 8-bit sRGB value, shared by every conversion.</summary>
    private static readonly float[] SrgbEncode = BuildSrgbEncode();

    /// <summary>
    /// The conversion for <paramref name="profile"/>, or null when there is nothing to do: no profile, one that is
    /// already sRGB, or one this conversion does not handle.
    /// </summary>
    public static Conversion? For(IccProfile? profile)
    {
        if (profile is null)
        {
            return null;
        }
        byte[] bytes;
        try
        {
            bytes = profile.ToByteArray();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IndexOutOfRangeException or InvalidOperationException or NotSupportedException)
        {
            return null; // a damaged profile says nothing reliable about the pixels
        }
        return For(bytes);
    }

    /// <summary>The conversion for an ICC profile's bytes (ICC.1: a 128-byte header, a tag table, the tags).</summary>
    public static Conversion? For(ReadOnlySpan<byte> profile)
    {
        if (profile.Length < 132 || ReadTag(profile, 16) != "RGB " || ReadTag(profile, 20) != "XYZ ")
        {
            return null;
        }
        var count = BinaryPrimitives.ReadUInt32BigEndian(profile[128..]);
        if (count > 100 || 132 + count * 12 > profile.Length)
        {
            return null;
        }
        var tags = new Dictionary<string, (int Offset, int Size)>();
        for (var i = 0; i < (int)count; i++)
        {
            var entry = profile.Slice(132 + i * 12, 12);
            var offset = BinaryPrimitives.ReadUInt32BigEndian(entry[4..]);
            var size = BinaryPrimitives.ReadUInt32BigEndian(entry[8..]);
            if (offset + (long)size <= profile.Length && size >= 8)
            {
                tags.TryAdd(ReadTag(entry, 0), ((int)offset, (int)size));
            }
        }
        ReadOnlySpan<byte> Tag(Dictionary<string, (int Offset, int Size)> all, ReadOnlySpan<byte> data, string name) =>
            all.TryGetValue(name, out var at) ? data.Slice(at.Offset, at.Size) : [];

        if (Column(Tag(tags, profile, "rXYZ")) is not { } r || Column(Tag(tags, profile, "gXYZ")) is not { } g
            || Column(Tag(tags, profile, "bXYZ")) is not { } b
            || Curve(Tag(tags, profile, "rTRC")) is not { } rTrc || Curve(Tag(tags, profile, "gTRC")) is not { } gTrc
            || Curve(Tag(tags, profile, "bTRC")) is not { } bTrc)
        {
            return null;
        }
        var toXyz = new Matrix3(r.X, g.X, b.X, r.Y, g.Y, b.Y, r.Z, g.Z, b.Z);
        var matrix = XyzToSrgb * toXyz;
        var conversion = new Conversion(matrix, [rTrc, gTrc, bTrc]);
        return conversion.IsIdentity ? null : conversion;
    }

    /// <summary>One profile's conversion: per-channel decoding tables for 8-bit input and the matrix into sRGB.</summary>
    public sealed class Conversion(Matrix3 matrix, float[][] decode)
    {
        /// <summary>An sRGB profile (or one indistinguishable from it at 8 bits) needs no work.</summary>
        internal bool IsIdentity
        {
            get
            {
                for (var v = 0; v < 256; v++)
                {
                    var (r, g, b) = Convert(v, v, v);
                    var (r2, g2, b2) = Convert(v, 0, 255 - v);
                    if (Math.Abs(r - v) > 0.5f || Math.Abs(g - v) > 0.5f || Math.Abs(b - v) > 0.5f
                        || Math.Abs(r2 - v) > 0.5f || g2 > 0.5f || Math.Abs(b2 - (255 - v)) > 0.5f)
                    {
                        return false;
                    }
                }
                return true;
            }
        }

        /// <summary>Rewrites every pixel of <paramref name="image"/> in place; alpha is kept.</summary>
        public void Apply(Image image) => image.Mutate(x => x.ProcessPixelRowsAsVector4(row =>
        {
            for (var i = 0; i < row.Length; i++)
            {
                ref var pixel = ref row[i];
                var (r, g, b) = Convert(Byte(pixel.X), Byte(pixel.Y), Byte(pixel.Z));
                pixel = new Vector4(r / 255f, g / 255f, b / 255f, pixel.W);
            }
        }));

        /// <summary>One 8-bit colour in the profile's space to sRGB (0–255, rounded).</summary>
        public (float R, float G, float B) Convert(int r, int g, int b)
        {
            var lr = decode[0][r];
            var lg = decode[1][g];
            var lb = decode[2][b];
            return (Encode(matrix.M11 * lr + matrix.M12 * lg + matrix.M13 * lb),
                Encode(matrix.M21 * lr + matrix.M22 * lg + matrix.M23 * lb),
                Encode(matrix.M31 * lr + matrix.M32 * lg + matrix.M33 * lb));
        }

        private static int Byte(float channel) => (int)Math.Clamp(channel * 255f + 0.5f, 0f, 255f);

        private static float Encode(float linear) =>
            SrgbEncode[(int)(Math.Clamp(linear, 0f, 1f) * (EncodeTableSize - 1) + 0.5f)];
    }

    private static string ReadTag(ReadOnlySpan<byte> data, int offset) => System.Text.Encoding.ASCII.GetString(data.Slice(offset, 4));

    private static float Fixed(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadInt32BigEndian(data[offset..]) / 65536f;

    /// <summary>An XYZType colourant: 'XYZ ', 4 reserved bytes, three s15Fixed16Number.</summary>
    private static Vector3? Column(ReadOnlySpan<byte> tag) =>
        tag.Length >= 20 && ReadTag(tag, 0) == "XYZ " ? new Vector3(Fixed(tag, 8), Fixed(tag, 12), Fixed(tag, 16)) : null;

    /// <summary>
    /// A tone curve as a table for 8-bit input (channel value → linear light 0–1): a curveType (no points: identity;
    /// one: a gamma in u8Fixed8Number; more: samples, interpolated) or a parametricCurveType (functions 0 to 4).
    /// </summary>
    private static float[]? Curve(ReadOnlySpan<byte> tag)
    {
        if (tag.Length < 12)
        {
            return null;
        }
        Func<float, float>? curve = null;
        if (ReadTag(tag, 0) == "curv")
        {
            var points = BinaryPrimitives.ReadUInt32BigEndian(tag[8..]);
            if (points == 0)
            {
                curve = x => x;
            }
            else if (points == 1 && tag.Length >= 14)
            {
                var gamma = BinaryPrimitives.ReadUInt16BigEndian(tag[12..]) / 256f;
                curve = x => MathF.Pow(x, gamma);
            }
            else if (points <= 65536 && 12 + points * 2 <= tag.Length)
            {
                var samples = new float[points];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadUInt16BigEndian(tag[(12 + i * 2)..]) / 65535f;
                }
                curve = x => Interpolate(samples, x);
            }
        }
        else if (ReadTag(tag, 0) == "para")
        {
            var function = BinaryPrimitives.ReadUInt16BigEndian(tag[8..]);
            int[] parameterCounts = [1, 3, 4, 5, 7];
            if (function < parameterCounts.Length && 12 + parameterCounts[function] * 4 <= tag.Length)
            {
                var p = new float[7];
                for (var i = 0; i < parameterCounts[function]; i++)
                {
                    p[i] = Fixed(tag, 12 + i * 4);
                }
                var (gp, a, bp, c, d, e, f) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
                curve = function switch
                {
                    0 => x => MathF.Pow(x, gp),
                    1 => x => x >= -bp / a ? MathF.Pow(a * x + bp, gp) : 0,
                    2 => x => x >= -bp / a ? MathF.Pow(a * x + bp, gp) + c : c,
                    3 => x => x >= d ? MathF.Pow(a * x + bp, gp) : c * x,
                    _ => x => x >= d ? MathF.Pow(a * x + bp, gp) + e : c * x + f,
                };
            }
        }
        return curve is null ? null : Table(curve);
    }

    /// <summary>A sampled curve: evenly spaced points over 0–1, read with linear interpolation.</summary>
    private static float Interpolate(float[] points, float x)
    {
        var position = Math.Clamp(x, 0f, 1f) * (points.Length - 1);
        var low = (int)position;
        if (low >= points.Length - 1)
        {
            return points[^1];
        }
        var fraction = position - low;
        return points[low] + (points[low + 1] - points[low]) * fraction;
    }

    private static float[] Table(Func<float, float> curve)
    {
        var table = new float[256];
        for (var v = 0; v < 256; v++)
        {
            var linear = curve(v / 255f);
            table[v] = float.IsFinite(linear) ? Math.Clamp(linear, 0f, 1f) : 0f;
        }
        return table;
    }

    private static float[] BuildSrgbEncode()
    {
        var table = new float[EncodeTableSize];
        for (var i = 0; i < EncodeTableSize; i++)
        {
            var linear = i / (float)(EncodeTableSize - 1);
            var encoded = linear <= 0.0031308f ? 12.92f * linear : 1.055f * MathF.Pow(linear, 1 / 2.4f) - 0.055f;
            table[i] = MathF.Round(encoded * 255f);
        }
        return table;
    }

    /// <summary>A 3×3 matrix, row-major (System.Numerics has none).</summary>
    public readonly record struct Matrix3(float M11, float M12, float M13, float M21, float M22, float M23, float M31, float M32, float M33)
    {
        public static Matrix3 operator *(Matrix3 a, Matrix3 b) => new(
            a.M11 * b.M11 + a.M12 * b.M21 + a.M13 * b.M31, a.M11 * b.M12 + a.M12 * b.M22 + a.M13 * b.M32, a.M11 * b.M13 + a.M12 * b.M23 + a.M13 * b.M33,
            a.M21 * b.M11 + a.M22 * b.M21 + a.M23 * b.M31, a.M21 * b.M12 + a.M22 * b.M22 + a.M23 * b.M32, a.M21 * b.M13 + a.M22 * b.M23 + a.M23 * b.M33,
            a.M31 * b.M11 + a.M32 * b.M21 + a.M33 * b.M31, a.M31 * b.M12 + a.M32 * b.M22 + a.M33 * b.M32, a.M31 * b.M13 + a.M32 * b.M23 + a.M33 * b.M33);

        public Matrix3 Inverse()
        {
            var det = M11 * (M22 * M33 - M23 * M32) - M12 * (M21 * M33 - M23 * M31) + M13 * (M21 * M32 - M22 * M31);
            var k = 1 / det;
            return new(
                (M22 * M33 - M23 * M32) * k, (M13 * M32 - M12 * M33) * k, (M12 * M23 - M13 * M22) * k,
                (M23 * M31 - M21 * M33) * k, (M11 * M33 - M13 * M31) * k, (M13 * M21 - M11 * M23) * k,
                (M21 * M32 - M22 * M31) * k, (M12 * M31 - M11 * M32) * k, (M11 * M22 - M12 * M21) * k);
        }
    }
}
