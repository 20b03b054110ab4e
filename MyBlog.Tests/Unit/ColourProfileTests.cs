using MyBlog.Workers.Thumbnails;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Icc;
using SixLabors.ImageSharp.PixelFormats;

namespace MyBlog.Tests.Unit;

/// <summary>
/// A phone's Display P3 photo and a camera's Adobe RGB one must look the same in their variants as in the original.
/// The expected sRGB values come from the published linear RGB-to-RGB matrices (D65, as colour-science references
/// give them), not from the D50 path the conversion itself takes.
/// </summary>
public sealed class ColourProfileTests
{
    private static readonly ThumbnailGenerator Generator = new();

    public static TheoryData<string, int, int, int> Colours => new()
    {
        { "display-p3", 200, 100, 50 },
        { "display-p3", 40, 180, 90 },
        { "adobe-rgb", 200, 100, 50 },
        { "adobe-rgb", 60, 170, 220 },
    };

    [Theory]
    [MemberData(nameof(Colours))]
    public void A_wide_gamut_photo_keeps_its_colours_in_every_variant(string space, int r, int g, int b)
    {
        var (profile, expected) = space == "display-p3" ? (DisplayP3(), DisplayP3ToSrgb(r, g, b)) : (AdobeRgb(), AdobeRgbToSrgb(r, g, b));
        var original = TaggedJpeg(profile, r, g, b);

        var result = Generator.Generate(original);

        Assert.Null(result.Refusal);
        Assert.NotEmpty(result.Variants);
        foreach (var variant in result.Variants)
        {
            using var image = Image.Load<Rgb24>(variant.Bytes);
            Assert.Null(image.Metadata.IccProfile); // the pixels are sRGB, which is what an untagged image means
            var pixel = image[image.Width / 2, image.Height / 2];
            AssertClose(expected, pixel, $"{space} {variant.Width}w .{variant.Extension}");
        }
        // Proof that the test can fail: the values as they were, read as sRGB, are far from the expected colour.
        Assert.True(Math.Abs(expected.R - r) + Math.Abs(expected.G - g) + Math.Abs(expected.B - b) > 12);
    }

    [Fact]
    public void An_srgb_photo_is_left_as_it_is()
    {
        var result = Generator.Generate(TaggedJpeg(Srgb(), 200, 100, 50));

        using var image = Image.Load<Rgb24>(result.Variants[0].Bytes);
        AssertClose((200, 100, 50), image[10, 10], "sRGB");
        Assert.Null(SrgbConversion.For(Srgb()));
    }

    [Fact]
    public void A_profile_that_is_not_a_matrix_profile_leaves_the_pixels_alone()
    {
        var grey = IccBytes("GRAY", [("kTRC", Gamma(1.8))]);
        Assert.Null(SrgbConversion.For(grey));
        var noColourants = IccBytes("RGB ", [("rTRC", Gamma(2.2)), ("gTRC", Gamma(2.2)), ("bTRC", Gamma(2.2))]);
        Assert.Null(SrgbConversion.For(noColourants));
        Assert.Null(SrgbConversion.For(new byte[40]));
    }

    private static byte[] TaggedJpeg(IccProfile profile, int r, int g, int b)
    {
        using var image = new Image<Rgb24>(64, 48, new Rgb24((byte)r, (byte)g, (byte)b));
        image.Metadata.IccProfile = profile;
        using var output = new MemoryStream();
        image.Save(output, new JpegEncoder { Quality = 100 });
        var bytes = output.ToArray();
        // What the generator will see: the profile travels in the file, as a phone writes it.
        Assert.NotNull(Image.Identify(bytes).Metadata.IccProfile);
        return bytes;
    }

    private static void AssertClose((double R, double G, double B) expected, Rgb24 actual, string what)
    {
        const double Tolerance = 4; // JPEG and lossy WebP (YUV 4:2:0) quantisation of a flat, saturated colour
        Assert.True(Math.Abs(expected.R - actual.R) <= Tolerance && Math.Abs(expected.G - actual.G) <= Tolerance
            && Math.Abs(expected.B - actual.B) <= Tolerance,
            $"{what}: expected about ({expected.R:F0}, {expected.G:F0}, {expected.B:F0}), got ({actual.R}, {actual.G}, {actual.B})");
    }

    // Display P3: DCI-P3 primaries, D65, the sRGB curve. Linear P3 → linear sRGB.
    private static (double R, double G, double B) DisplayP3ToSrgb(int r, int g, int b)
    {
        var (lr, lg, lb) = (SrgbDecode(r), SrgbDecode(g), SrgbDecode(b));
        return (SrgbEncode(1.2249401 * lr - 0.2249404 * lg),
            SrgbEncode(-0.0420569 * lr + 1.0420571 * lg),
            SrgbEncode(-0.0196376 * lr - 0.0786361 * lg + 1.0982735 * lb));
    }

    // Adobe RGB (1998): its primaries, D65, gamma 563/256. Linear Adobe RGB → linear sRGB.
    private static (double R, double G, double B) AdobeRgbToSrgb(int r, int g, int b)
    {
        double Decode(int v) => Math.Pow(v / 255.0, 563 / 256.0);
        var (lr, lg, lb) = (Decode(r), Decode(g), Decode(b));
        return (SrgbEncode(1.3983557 * lr - 0.3983557 * lg), SrgbEncode(lg), SrgbEncode(-0.0429290 * lg + 1.0429290 * lb));
    }

    private static double SrgbDecode(int v) => v / 255.0 <= 0.04045 ? v / 255.0 / 12.92 : Math.Pow((v / 255.0 + 0.055) / 1.055, 2.4);

    private static double SrgbEncode(double linear)
    {
        linear = Math.Clamp(linear, 0, 1);
        return 255 * (linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.Pow(linear, 1 / 2.4) - 0.055);
    }

    private static IccProfile DisplayP3() => MatrixProfile(
        (0.515121, 0.241196, -0.001053), (0.291977, 0.692245, 0.041885), (0.157104, 0.066574, 0.784073), SrgbCurve());

    private static IccProfile AdobeRgb() => MatrixProfile(
        (0.609741, 0.311111, 0.019470), (0.205276, 0.625671, 0.060867), (0.149185, 0.063217, 0.744568), Gamma(563 / 256.0));

    private static IccProfile Srgb() => MatrixProfile(
        (0.4360747, 0.2225045, 0.0139322), (0.3850649, 0.7168786, 0.0971045), (0.1430804, 0.0606169, 0.7141733), SrgbCurve());

    /// <summary>A matrix/TRC display profile (ICC.1 v4), as a phone or camera embeds one.</summary>
    private static IccProfile MatrixProfile((double X, double Y, double Z) red, (double X, double Y, double Z) green,
        (double X, double Y, double Z) blue, byte[] curve) =>
        new(IccBytes("RGB ",
        [
            ("rXYZ", Xyz(red)), ("gXYZ", Xyz(green)), ("bXYZ", Xyz(blue)), ("wtpt", Xyz((0.9642, 1.0, 0.8249))),
            ("rTRC", curve), ("gTRC", curve), ("bTRC", curve),
        ]));

    /// <summary>The sRGB curve as parametricCurveType function 3.</summary>
    private static byte[] SrgbCurve() => Concat(Ascii("para"), new byte[4], [0, 3, 0, 0],
        Fixed(2.4), Fixed(1 / 1.055), Fixed(0.055 / 1.055), Fixed(1 / 12.92), Fixed(0.04045));

    private static byte[] Gamma(double gamma) => Concat(Ascii("curv"), new byte[4], BigEndian(1), [(byte)(int)gamma, (byte)Math.Round((gamma - (int)gamma) * 256)], [0, 0]);

    private static byte[] Xyz((double X, double Y, double Z) v) => Concat(Ascii("XYZ "), new byte[4], Fixed(v.X), Fixed(v.Y), Fixed(v.Z));

    private static byte[] IccBytes(string colourSpace, (string Signature, byte[] Data)[] tags)
    {
        var tableEnd = 128 + 4 + tags.Length * 12;
        var offsets = new List<int>();
        var position = tableEnd;
        foreach (var (_, data) in tags)
        {
            offsets.Add(position);
            position += (data.Length + 3) / 4 * 4;
        }
        var profile = new byte[position];
        BigEndian(position).CopyTo(profile, 0);
        BigEndian(0x04300000).CopyTo(profile, 8);
        Ascii("mntr").CopyTo(profile, 12);
        Ascii(colourSpace).CopyTo(profile, 16);
        Ascii("XYZ ").CopyTo(profile, 20);
        Ascii("acsp").CopyTo(profile, 36);
        Concat(Fixed(0.9642), Fixed(1.0), Fixed(0.8249)).CopyTo(profile, 68);
        BigEndian(tags.Length).CopyTo(profile, 128);
        for (var i = 0; i < tags.Length; i++)
        {
            Ascii(tags[i].Signature).CopyTo(profile, 132 + i * 12);
            BigEndian(offsets[i]).CopyTo(profile, 136 + i * 12);
            BigEndian(tags[i].Data.Length).CopyTo(profile, 140 + i * 12);
            tags[i].Data.CopyTo(profile, offsets[i]);
        }
        return profile;
    }

    private static byte[] Ascii(string text) => System.Text.Encoding.ASCII.GetBytes(text);

    private static byte[] BigEndian(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    private static byte[] Fixed(double value) => BigEndian((int)Math.Round(value * 65536));

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
