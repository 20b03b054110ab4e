using System.Net.Http.Json;
using System.Text.Json;

namespace MyBlog.Benchmarks;

/// <summary>
/// A fresh local blog with posts to read: the owner set up with the local setup code, then <c>count</c> posts
/// written and published (no email) through the edge, as an author's script would. Prints the owner's API key.
/// </summary>
public static class SeedPosts
{
    public static async Task RunAsync(Uri site, int count)
    {
        using var http = new HttpClient { BaseAddress = site };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await OwnerKey.SetUpAsync(site));
        var markdown = Corpus.SampleMarkdown();
        for (var i = 1; i <= count; i++)
        {
            using var created = await http.PostAsJsonAsync("/api/admin/posts", new { title = $"Seeded post {i}", markdown, tags = new[] { "seeded" } });
            created.EnsureSuccessStatusCode();
            var slug = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("slug").GetString();
            using var publish = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/posts/{slug}/publish?sendEmail=false");
            publish.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"v1\""));
            (await http.SendAsync(publish)).EnsureSuccessStatusCode();
        }
        Console.WriteLine($"{count} posts published on {site}");
    }
}
