using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using MyBlog.Core;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;

namespace MyBlog.Benchmarks;

/// <summary>
/// One publish to many confirmed subscribers on the whole local topology: the job, the planner, the newsletter queue
/// and the sender, into smtp4dev. The subscribers are written straight into the table (as confirmed readers, without
/// their welcome emails), then a post is published through the API with email on. Reports lost and doubled emails,
/// the throughput against the configured pace, and the workers process's peak memory. Boots the AppHost itself, so
/// nothing else may hold ports 8080 and 8025.
/// </summary>
public static class NewsletterFanOut
{
    /// <summary>Subscribers' ids as the topology keys them (the AppHost's local id-key).</summary>
    private static readonly SubscriberIds Ids = new(Microsoft.Extensions.Options.Options.Create(
        new SubscriberIdOptions { IdKey = "local-id-key-never-change-0123456789abcdef" }));

    public static async Task RunAsync(int count, double rate)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MyBlog_AppHost>();
        var workers = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "workers");
        builder.CreateResourceBuilder(workers).WithEnvironment("Mail__MaxSendRate", rate.ToString(CultureInfo.InvariantCulture));
        await using var app = await builder.BuildAsync();
        var clock = Stopwatch.StartNew();
        await app.StartAsync();
        foreach (var resource in new[] { "dynamodb", "smtp4dev", "localaws", "workers", "api", "web" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource);
        }
        Console.WriteLine($"topology up in {clock.Elapsed.TotalSeconds:0} s; the sender's pace {rate}/s");

        var run = Guid.NewGuid().ToString("N")[..6];
        var addresses = Enumerable.Range(0, count).Select(i => $"nl-{run}-{i}@example.com").ToList();
        using var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials("S3RVER", "S3RVER"),
            new AmazonDynamoDBConfig { ServiceURL = app.GetEndpoint("dynamodb", "http").ToString(), AuthenticationRegion = "us-east-1" });
        clock.Restart();
        await Parallel.ForEachAsync(addresses.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, ct) =>
        {
            var request = new BatchWriteItemRequest
            {
                RequestItems = new()
                {
                    [MyBlogTable.DefaultName] = chunk.Select(address =>
                    {
                        EmailAddress.TryParse(address, out var email, out _);
                        return new WriteRequest(new PutRequest(new Dictionary<string, AttributeValue>
                        {
                            [MyBlogTable.PartitionKey] = new(SubscriberKeys.PartitionKey(Ids.IdFor(email!))),
                            [MyBlogTable.SortKey] = new(SubscriberKeys.ProfileSortKey),
                            ["email"] = new(address),
                            ["status"] = new("confirmed"),
                            ["idv"] = new() { N = "2" },
                            ["subscribedAt"] = new(DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)),
                        }));
                    }).ToList(),
                },
            };
            while (request.RequestItems.Count > 0)
            {
                var response = await dynamo.BatchWriteItemAsync(request, ct);
                request.RequestItems = response.UnprocessedItems ?? [];
            }
        });
        Console.WriteLine($"{count} confirmed subscribers written in {clock.Elapsed.TotalSeconds:0.0} s");

        var site = app.CreateHttpClient("web");
        site.DefaultRequestHeaders.Authorization = new("Bearer", await OwnerKey.SetUpAsync(site.BaseAddress!));
        var title = $"Newsletter benchmark {run}";
        var created = await (await site.PostAsJsonAsync("/api/admin/posts", new { title, markdown = Corpus.SampleMarkdown(), tags = new[] { "benchmark" } }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        var slug = created.GetProperty("slug").GetString()!;
        using var publish = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/posts/{slug}/publish") { Headers = { { "If-Match", "\"v1\"" } } };
        var publishedAt = DateTimeOffset.UtcNow;
        (await site.SendAsync(publish)).EnsureSuccessStatusCode();

        // The job's progress is what the author watches; the sink is read once at the end (reading 10,000 messages
        // from it every few seconds would slow it down more than the sender).
        var mail = app.CreateHttpClient("smtp4dev");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(count / rate * 3 + 120);
        var peakKb = 0L;
        JsonElement job;
        while (true)
        {
            peakKb = Math.Max(peakKb, WorkersPeakKb());
            using var progress = await site.GetAsync($"/api/admin/posts/{slug}/newsletter");
            job = progress.IsSuccessStatusCode ? await progress.Content.ReadFromJsonAsync<JsonElement>() : default;
            if (job.ValueKind == JsonValueKind.Object && job.GetProperty("status").GetString() == "sent" || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(2000);
        }
        await Task.Delay(TimeSpan.FromSeconds(15)); // a redelivery or a late batch must send nothing more
        var received = await ReceivedAsync(mail, title);
        peakKb = Math.Max(peakKb, WorkersPeakKb());

        var times = received.Values.SelectMany(v => v).Order().ToList();
        var lost = addresses.Count(a => !received.ContainsKey(a));
        var doubled = received.Values.Count(v => v.Count > 1);
        var sending = (times[^1] - times[0]).TotalSeconds;
        Console.WriteLine($"newsletter: {count} confirmed subscribers, one publish, the sender's pace {rate}/s");
        Console.WriteLine($"  lost {lost}, doubled {doubled}; the job says {job}");
        Console.WriteLine($"  publish → first email {(times[0] - publishedAt).TotalSeconds:0.0} s, → last {(times[^1] - publishedAt).TotalSeconds:0.0} s");
        Console.WriteLine($"  throughput {times.Count / Math.Max(sending, 0.001):0.0} emails/s ({times.Count / Math.Max(sending, 0.001) / rate:0.00}× the pace)");
        Console.WriteLine($"  workers peak RSS {peakKb / 1024.0:0} MB");
        Environment.ExitCode = lost == 0 && doubled == 0 ? 0 : 1;
        await app.StopAsync();
    }

    /// <summary>The workers process's peak resident memory (it is the only MyBlog.Workers on the machine during the run).</summary>
    private static long WorkersPeakKb() => PeakMemory.OfProcessesKb("MyBlog.Workers");

    /// <summary>Every message with this subject in the sink, by recipient, with smtp4dev's receive times.</summary>
    private static async Task<Dictionary<string, List<DateTimeOffset>>> ReceivedAsync(HttpClient mail, string subject)
    {
        var result = new Dictionary<string, List<DateTimeOffset>>(StringComparer.OrdinalIgnoreCase);
        for (var page = 1; ; page++)
        {
            using var doc = JsonDocument.Parse(await mail.GetStringAsync($"/api/Messages?pageSize=1000&page={page}"));
            var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
            foreach (var message in results.Where(m => m.GetProperty("subject").GetString() == subject))
            {
                var at = message.GetProperty("receivedDate").GetDateTimeOffset();
                foreach (var to in message.GetProperty("to").EnumerateArray().Select(t => t.GetString()!))
                {
                    (result.TryGetValue(to, out var list) ? list : result[to] = []).Add(at);
                }
            }
            if (results.Count < 1000)
            {
                return result;
            }
        }
    }
}
