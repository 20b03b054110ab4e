using System.Diagnostics;
using Amazon.S3;
using Microsoft.Extensions.Options;
using MyBlog.Core.Imports;
using MyBlog.Core.Subscribers;

namespace MyBlog.Workers.Imports;

/// <summary>
/// Runs one subscriber import: reads the uploaded CSV as it streams in (a list never needs to fit in memory), stores
/// each new address with the consent its platform recorded, and reports the outcome of every row the author should
/// look at — refused, skipped, or already a subscriber — by its row number, never by its address (an erased
/// subscriber must leave no trace in an import's results). Rows are stored several at a time; a run stopped midway
/// is finished by the queue's next delivery, where the rows stored before count as imported again.
/// </summary>
public sealed class SubscriberImporter(
    ImportStore imports, SubscriberStore subscribers, IOptions<WelcomeOptions> welcome, IAmazonS3 s3, TimeProvider time,
    ILogger<SubscriberImporter> logger)
{
    /// <summary>As long as the import function may run (15 minutes), and a minute more: a live import is never taken over.</summary>
    public static readonly TimeSpan Lease = ArchiveImporter.Lease;

    /// <summary>How many rows' results an import keeps (the tally counts every row); the item holding them stays small.</summary>
    public const int MaxListedRows = 1000;

    /// <summary>Rows stored at once: DynamoDB takes many small writes in parallel; one at a time, 50,000 rows would take minutes.</summary>
    private const int Parallelism = 16;
    private const int ReportEvery = 5000;
    private static readonly ActivitySource Source = new("MyBlog.Imports");

    public async Task RunAsync(string bucket, string key, int receiveCount, CancellationToken ct)
    {
        if (ImportJob.IdFromSubscribersKey(key) is not { } id)
        {
            logger.LogWarning("s3://{Bucket}/{Key} is not a subscriber list; ignored", bucket, key);
            return;
        }
        using var span = Source.StartActivity("import.subscribers");
        span?.SetTag("myblog.import.id", id);
        await ImportAttempts.RunAsync(imports, id, receiveCount, Lease, time, logger,
            "the list may be too long to read in that time; the rows it stored are kept. Import the rest in smaller files.",
            token => RunStartedAsync(id, bucket, key, span, token), () => s3.DeleteObjectAsync(bucket, key, CancellationToken.None), ct);
    }

    private async Task RunStartedAsync(string id, string bucket, string key, Activity? span, CancellationToken ct)
    {
        var job = await imports.GetAsync(id, ct) ?? throw new InvalidOperationException($"Import {id} has no record.");
        using var upload = await s3.GetObjectAsync(bucket, key, ct);
        if (upload.ContentLength > SubscriberImportUploads.MaxBytes)
        {
            await imports.FinishAsync(id, null, [], $"The list is {upload.ContentLength / (1024 * 1024)} MB; an import takes at most {SubscriberImportUploads.MaxBytes / (1024 * 1024)} MB.", ct);
            return;
        }
        await using var reader = await SubscriberLists.OpenAsync(upload.ResponseStream, ct);
        var format = SubscriberLists.FormatOf(reader.Headers);
        if (format is null)
        {
            await imports.FinishAsync(id, null, [],
                "No column of addresses: expected an export from Ghost, Substack, Mailchimp, Buttondown or MyBlog, or a CSV with an 'email' column.", ct);
            return;
        }
        span?.SetTag("myblog.import.format", format);

        var results = new List<ImportFileResult>();
        var tally = new Dictionary<string, int> { [ImportOutcome.Imported] = 0, [ImportOutcome.Skipped] = 0, [ImportOutcome.Failed] = 0 };
        var unlisted = 0;
        void Record(long row, string outcome, string? reason)
        {
            tally[outcome]++;
            if (outcome == ImportOutcome.Imported)
            {
                return;
            }
            if (results.Count < MaxListedRows)
            {
                results.Add(new ImportFileResult($"row {row}", outcome, Error: reason));
            }
            else
            {
                unlisted++;
            }
        }

        // Welcomes owed by the list fall due one after another at the import pace, from a settle's time after now.
        var firstDue = time.GetUtcNow() + welcome.Value.Settle + TimeSpan.FromSeconds(1);
        var owed = 0;
        var rows = 0;
        var batch = new List<(long Row, ImportedSubscriber Subscriber, DateTimeOffset Due)>();
        async Task StoreAsync()
        {
            var stored = new bool[batch.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
                async (i, token) => stored[i] = await subscribers.ImportAsync(batch[i].Subscriber, id, batch[i].Due, token));
            for (var i = 0; i < batch.Count; i++)
            {
                Record(batch[i].Row, stored[i] ? ImportOutcome.Imported : ImportOutcome.Skipped, stored[i] ? null : "already a subscriber (left as it is)");
            }
            batch.Clear();
        }

        await foreach (var row in SubscriberLists.ReadAsync(reader, format, job.FileName, ct))
        {
            rows++;
            if (row.Subscriber is { } subscriber && row.Skipped is null)
            {
                var due = subscriber.State == SubscriberState.Pending ? firstDue + TimeSpan.FromSeconds(owed++ / welcome.Value.ImportPace) : firstDue;
                batch.Add((row.Row, subscriber, due));
                if (batch.Count >= Parallelism * 16)
                {
                    await StoreAsync();
                }
            }
            else
            {
                Record(row.Row, row.Failed is null ? ImportOutcome.Skipped : ImportOutcome.Failed, row.Failed ?? row.Skipped);
            }
            if (rows % ReportEvery == 0)
            {
                await StoreAsync();
                await imports.ReportAsync(id, format, Listed(), ct, tally);
            }
        }
        await StoreAsync();
        await imports.FinishAsync(id, format, Listed(), null, ct, tally);
        logger.LogInformation("Subscriber import {Id} ({Format}): {Imported} imported, {Skipped} skipped, {Failed} failed; {Owed} welcome(s) owed",
            id, format, tally[ImportOutcome.Imported], tally[ImportOutcome.Skipped], tally[ImportOutcome.Failed], owed);
        // The list has done its work and holds addresses: it is not kept.
        await s3.DeleteObjectAsync(bucket, key, CancellationToken.None);

        List<ImportFileResult> Listed() => unlisted == 0
            ? [.. results]
            : [.. results, new ImportFileResult($"{unlisted} more rows", ImportOutcome.Skipped, Error: "not listed one by one; the counts include them")];
    }
}
