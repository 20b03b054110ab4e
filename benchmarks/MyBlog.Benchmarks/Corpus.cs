using System.Globalization;
using System.Text;
using MyBlog.Core.Posts;

namespace MyBlog.Benchmarks;

/// <summary>
/// The benchmark corpus: posts of about 1,000 words with headings, a code block, a table and links, written as
/// Markdown files with YAML front matter that both MyBlog (through this class) and Hugo read.
/// </summary>
public static class Corpus
{
    private static readonly string[] Words =
        ("serverless static site edge cache reader writer publish stream event worker table bucket thumbnail photo " +
         "latency request response render template markdown feed archive page tag subscriber welcome email trace " +
         "region replica global durable eventual consistent cheap fast small simple careful quiet warm friendly the a " +
         "and of to in for with on by from that this it is was are be as at or an not").Split(' ');

    private static readonly string[] Tags = ["aws", "dotnet", "serverless", "writing", "photos", "performance", "design", "notes"];

    /// <summary>A post body like the corpus's (about 1,000 words, a code block), without front matter.</summary>
    public static string SampleMarkdown()
    {
        var random = new Random(20261129);
        var text = new StringBuilder();
        for (var section = 1; section <= 3; section++)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"## Section {section}").AppendLine();
            for (var p = 0; p < 3; p++)
            {
                text.AppendLine(Paragraph(random, 105)).AppendLine();
            }
        }
        text.AppendLine("```csharp").AppendLine("var count = await lines.CountAsync();").AppendLine("```");
        return text.ToString();
    }

    public static void Write(string directory, int count)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(20261127);
        var start = new DateTimeOffset(2020, 1, 1, 8, 0, 0, TimeSpan.Zero);
        for (var i = 1; i <= count; i++)
        {
            var tags = Tags.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToArray();
            var text = new StringBuilder();
            text.AppendLine("---")
                .AppendLine(CultureInfo.InvariantCulture, $"title: \"Post number {i}: {Sentence(random, 5).TrimEnd('.')}\"")
                .AppendLine(CultureInfo.InvariantCulture, $"slug: post-{i}")
                .AppendLine(CultureInfo.InvariantCulture, $"date: {start.AddHours(i * 13):yyyy-MM-ddTHH:mm:ssZ}")
                .AppendLine(CultureInfo.InvariantCulture, $"tags: [{string.Join(", ", tags)}]")
                .AppendLine("---")
                .AppendLine();
            for (var section = 1; section <= 3; section++)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"## Section {section}").AppendLine();
                for (var p = 0; p < 3; p++)
                {
                    text.AppendLine(Paragraph(random, 105)).AppendLine();
                }
                if (section == 1)
                {
                    text.AppendLine("```csharp")
                        .AppendLine("public static async Task<int> CountAsync(IAsyncEnumerable<string> lines)")
                        .AppendLine("{")
                        .AppendLine("    var count = 0;")
                        .AppendLine("    await foreach (var line in lines) { if (line.Length > 0) count++; }")
                        .AppendLine("    return count;")
                        .AppendLine("}")
                        .AppendLine("```").AppendLine();
                }
                if (section == 2)
                {
                    text.AppendLine("| service | requests | p99 (ms) |").AppendLine("|---|---:|---:|");
                    for (var row = 0; row < 4; row++)
                    {
                        text.AppendLine(CultureInfo.InvariantCulture, $"| {Words[random.Next(Words.Length)]} | {random.Next(1000, 99999)} | {random.Next(1, 500)} |");
                    }
                    text.AppendLine();
                }
            }
            text.AppendLine(CultureInfo.InvariantCulture, $"See [the previous post](/posts/post-{Math.Max(1, i - 1)}/), [the AWS docs](https://docs.aws.amazon.com/) and <https://example.com/{i}>.");
            File.WriteAllText(Path.Combine(directory, $"post-{i}.md"), text.ToString());
        }
        Console.WriteLine($"wrote {count} posts to {directory}");
    }

    /// <summary>Reads the corpus back as published posts.</summary>
    public static List<Post> Read(string directory) => Directory.EnumerateFiles(directory, "*.md").Select(ReadPost).ToList();

    public static Post ReadPost(string file)
    {
        var text = File.ReadAllText(file);
        var end = text.IndexOf("\n---", 4, StringComparison.Ordinal);
        var front = text[4..end].Split('\n').Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        var date = DateTimeOffset.Parse(front["date"], CultureInfo.InvariantCulture);
        var tags = front["tags"].Trim('[', ']').Split(',').Select(t => t.Trim()).ToList();
        return new Post(front["slug"], front["title"].Trim('"'), text[(end + 4)..], tags, null, PostStatus.Published, 1, date, date, date);
    }

    private static string Paragraph(Random random, int words)
    {
        var text = new StringBuilder();
        while (words > 0)
        {
            var length = Math.Min(words, random.Next(8, 18));
            text.Append(Sentence(random, length)).Append(' ');
            words -= length;
        }
        return text.ToString().TrimEnd();
    }

    private static string Sentence(Random random, int words)
    {
        var parts = Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]).ToArray();
        parts[0] = char.ToUpperInvariant(parts[0][0]) + parts[0][1..];
        if (random.Next(6) == 0)
        {
            parts[^1] = $"**{parts[^1]}**";
        }
        return string.Join(' ', parts) + ".";
    }
}
