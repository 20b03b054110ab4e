using System.Globalization;
using System.Text.RegularExpressions;
using MyBlog.Core.Posts;
using MyBlog.Infrastructure;

namespace MyBlog.Tests.Unit;

/// <summary>
/// Code blocks are coloured when the page is made — spans with the site's classes, no script — and every colour
/// reads on the code block's background in light and in dark mode (WCAG's 4.5:1 for text).
/// </summary>
public sealed partial class CodeHighlightingTests
{
    [Fact]
    public void A_fenced_block_in_a_known_language_is_coloured_and_escaped_and_an_unknown_one_stays_plain()
    {
        var html = PostContent.ToHtml("```csharp\npublic class Greeter { } // says hi\nvar s = \"<b>\";\n```\n\n```klingon\nqapla'\n```");

        Assert.Contains("<pre><code class=\"language-csharp\">", html);
        Assert.Contains("<span class=\"hl-k\">public</span>", html);
        Assert.Contains("<span class=\"hl-c\">// says hi</span>", html);
        Assert.Contains("<span class=\"hl-s\">&quot;&lt;b&gt;&quot;</span>", html);
        Assert.Contains("<pre><code class=\"language-klingon\">qapla'\n</code></pre>", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public void Markup_in_a_code_block_is_text_and_a_post_with_raw_html_keeps_its_colours_through_the_sanitizer()
    {
        var html = PostContent.ToHtml("<div>raw</div>\n\n```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```");

        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;", html);
        Assert.Contains("class=\"hl-g\"", html);
    }

    [Fact]
    public void A_block_longer_than_the_limit_stays_plain()
    {
        var code = string.Concat(Enumerable.Repeat("int x = 1;\n", CodeHighlighter.MaxChars / 10));
        Assert.Null(CodeHighlighter.Highlight("csharp", code));
        Assert.DoesNotContain("hl-", PostContent.ToHtml($"```csharp\n{code}```"));
    }

    [Fact]
    public void Every_code_colour_passes_contrast_on_the_code_background_in_light_and_dark_mode()
    {
        var css = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "MyBlog.Site", "Assets", "site.css"));
        var blocks = RootBlock().Matches(css).Select(m => Variables(m.Groups[1].Value)).ToList();
        Assert.Equal(2, blocks.Count); // light, then dark
        foreach (var (scheme, vars) in new[] { ("light", blocks[0]), ("dark", blocks[1]) })
        {
            // pre's background: color-mix(in srgb, var(--fg) 6%, transparent) over the page's.
            var background = Mix(Rgb(vars["--fg"]), Rgb(vars["--bg"]), 0.06);
            var colours = vars.Where(v => v.Key.StartsWith("--hl-", StringComparison.Ordinal)).ToList();
            Assert.Equal(7, colours.Count);
            foreach (var (name, value) in colours)
            {
                var ratio = Contrast(Rgb(value), background);
                Assert.True(ratio >= 4.5, $"{scheme} {name} {value}: {ratio:0.00}:1 on the code background");
            }
        }
    }

    private static Dictionary<string, string> Variables(string block) =>
        VariableDeclaration().Matches(block).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    private static (double R, double G, double B) Rgb(string hex)
    {
        hex = hex.TrimStart('#');
        if (hex.Length == 3)
        {
            hex = string.Concat(hex.Select(c => $"{c}{c}"));
        }
        return (int.Parse(hex[..2], NumberStyles.HexNumber) / 255.0, int.Parse(hex[2..4], NumberStyles.HexNumber) / 255.0, int.Parse(hex[4..6], NumberStyles.HexNumber) / 255.0);
    }

    private static (double R, double G, double B) Mix((double R, double G, double B) a, (double R, double G, double B) b, double share) =>
        (a.R * share + b.R * (1 - share), a.G * share + b.G * (1 - share), a.B * share + b.B * (1 - share));

    private static double Luminance((double R, double G, double B) c)
    {
        static double Channel(double v) => v <= 0.03928 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
        return 0.2126 * Channel(c.R) + 0.7152 * Channel(c.G) + 0.0722 * Channel(c.B);
    }

    private static double Contrast((double R, double G, double B) a, (double R, double G, double B) b)
    {
        var (la, lb) = (Luminance(a), Luminance(b));
        return (Math.Max(la, lb) + 0.05) / (Math.Min(la, lb) + 0.05);
    }

    [GeneratedRegex(@":root\s*\{([^}]*)\}")]
    private static partial Regex RootBlock();

    [GeneratedRegex(@"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})")]
    private static partial Regex VariableDeclaration();
}
