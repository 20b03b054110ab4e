using System.Net;
using System.Text;
using ColorCode;
using ColorCode.Parsing;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;

namespace MyBlog.Core.Posts;

/// <summary>
/// Code blocks coloured when the page is made (ColorCode's language rules), so the page needs no script: each token
/// is a <c>span</c> with a short class (<c>hl-k</c> keyword, <c>hl-s</c> string, <c>hl-c</c> comment, <c>hl-n</c> number,
/// <c>hl-t</c> type, <c>hl-g</c> tag, <c>hl-a</c> attribute) whose colours the site's stylesheet sets for light and dark
/// mode. A block in a language ColorCode does not know, or longer than <see cref="MaxChars"/>, stays plain.
/// </summary>
public sealed class CodeHighlighter : CodeColorizerBase
{
    /// <summary>Past this, a block is shown plain: colouring is for reading, and its rules are regular expressions.</summary>
    public const int MaxChars = 20_000;

    private readonly StringBuilder _html = new();

    private CodeHighlighter() : base(null, null)
    {
    }

    /// <summary>
    /// The block's code as coloured HTML (escaped, without the <c>pre</c> and <c>code</c> around it), or null when it
    /// stays plain. <paramref name="info"/> is the fence's info string: its first word names the language.
    /// </summary>
    public static string? Highlight(string? info, string code)
    {
        var id = info?.Split(' ', '\t', '{')[0].Trim();
        if (string.IsNullOrEmpty(id) || code.Length > MaxChars || Language(id) is not { } language)
        {
            return null;
        }
        var highlighter = new CodeHighlighter();
        highlighter.languageParser.Parse(code, language, highlighter.Write);
        return highlighter._html.ToString();
    }

    /// <summary>The language a fence names: ColorCode's ids and aliases, and the names Markdown authors use.</summary>
    public static ILanguage? Language(string id) => id.ToLowerInvariant() switch
    {
        "cs" or "csharp" or "c#" => Languages.CSharp,
        "js" or "javascript" or "jsx" or "mjs" => Languages.JavaScript,
        "ts" or "typescript" or "tsx" => Languages.Typescript,
        "html" or "htm" => Languages.Html,
        "xml" or "svg" or "xaml" or "csproj" => Languages.Xml,
        "ps" or "ps1" or "powershell" or "pwsh" => Languages.PowerShell,
        "c" or "cpp" or "c++" or "h" or "hpp" => Languages.Cpp,
        "fs" or "fsharp" or "f#" => Languages.FSharp,
        "vb" or "vbnet" or "vb.net" => Languages.VbDotNet,
        var other => Languages.FindById(other),
    };

    protected override void Write(string parsedSourceCode, IList<Scope> scopes)
    {
        var marks = new List<(int Index, int Order, string Text)>();
        void Mark(Scope scope, int depth)
        {
            marks.Add((scope.Index, depth * 2, $"<span class=\"{ClassOf(scope.Name)}\">"));
            foreach (var child in scope.Children)
            {
                Mark(child, depth + 1);
            }
            marks.Add((scope.Index + scope.Length, -depth * 2 - 1, "</span>"));
        }
        foreach (var scope in scopes)
        {
            Mark(scope, 0);
        }
        var at = 0;
        foreach (var (index, _, text) in marks.OrderBy(m => m.Index).ThenBy(m => m.Order))
        {
            _html.Append(WebUtility.HtmlEncode(parsedSourceCode[at..index])).Append(text);
            at = index;
        }
        _html.Append(WebUtility.HtmlEncode(parsedSourceCode[at..]));
    }

    /// <summary>ColorCode's many scope names, as the seven colours the site has.</summary>
    private static string ClassOf(string scope) => scope switch
    {
        _ when scope.Contains("Comment", StringComparison.Ordinal) => "hl-c",
        _ when scope.Contains("String", StringComparison.Ordinal) || scope.Contains("Attribute Value", StringComparison.Ordinal) => "hl-s",
        _ when scope.Contains("Keyword", StringComparison.Ordinal) => "hl-k",
        _ when scope.Contains("Number", StringComparison.Ordinal) => "hl-n",
        _ when scope.Contains("Class Name", StringComparison.Ordinal) || scope.Contains("Type", StringComparison.Ordinal) => "hl-t",
        _ when scope.Contains("Element Name", StringComparison.Ordinal) || scope.Contains("Tag", StringComparison.Ordinal) => "hl-g",
        _ when scope.Contains("Attribute", StringComparison.Ordinal) => "hl-a",
        _ => "hl-o",
    };
}

/// <summary>Markdig's code blocks, coloured where <see cref="CodeHighlighter"/> knows the language, else as Markdig writes them.</summary>
internal sealed class HighlightedCodeBlockRenderer(IMarkdownObjectRenderer plain) : HtmlObjectRenderer<CodeBlock>
{
    protected override void Write(HtmlRenderer renderer, CodeBlock block)
    {
        // Plain text (excerpts, reading time) is the code's own text, never its colouring's markup.
        if (renderer.EnableHtmlForBlock && block is FencedCodeBlock fenced && CodeHighlighter.Highlight(fenced.Info, fenced.Lines.ToString()) is { } html)
        {
            renderer.EnsureLine();
            renderer.Write("<pre><code class=\"language-").WriteEscape(fenced.Info!.Split(' ', '\t', '{')[0].Trim()).Write("\">")
                .Write(html).WriteLine("</code></pre>");
            return;
        }
        plain.Write(renderer, block);
    }
}
