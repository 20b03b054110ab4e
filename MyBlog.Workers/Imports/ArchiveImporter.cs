using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Imports;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Storage;
using MyBlog.Core.Uploads;
using MyBlog.Workers.Thumbnails;

namespace MyBlog.Workers.Imports;

/// <summary>
/// Runs one import: takes the job (a redelivered event for a finished import does nothing), reads the archive
/// from the uploads bucket to a temporary file, and brings each post over with its own result — a bad file never
/// stops the rest. The images a post shows that are in the archive go through the photo pipeline (their original
/// into uploads/, so the thumbnail worker makes the variants; named by a hash of their bytes, so an image imported
/// twice is one photo) and the post points at their variants; a page published before they are ready follows them.
/// A second import of the same archive finds every post unchanged and every photo there.
/// </summary>
public sealed partial class ArchiveImporter(
    ImportStore imports, PostStore posts, PhotoStore photos, ThumbnailGenerator images, IAmazonS3 s3, IOptions<BucketOptions> buckets,
    TimeProvider time, ILogger<ArchiveImporter> logger)
{
    /// <summary>As long as the import function may run (15 minutes), and a minute more: a live import is never taken over.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(16);

    private const int ReportEvery = 50;
    private static readonly ActivitySource Source = new("MyBlog.Imports");

    /// <param name="receiveCount">How often the queue has delivered this archive (see <see cref="ImportAttempts"/>).</param>
    public async Task RunAsync(string bucket, string key, int receiveCount, CancellationToken ct)
    {
        if (ImportJob.IdFromArchiveKey(key) is not { } id)
        {
            logger.LogWarning("s3://{Bucket}/{Key} is not an import archive; ignored", bucket, key);
            return;
        }
        using var span = Source.StartActivity("import");
        span?.SetTag("myblog.import.id", id);
        await ImportAttempts.RunAsync(imports, id, receiveCount, Lease, time, logger,
            "the archive may be too large or too complex to read within the import's time and memory; the files it finished are kept. Import the rest in smaller parts.",
            token => RunStartedAsync(id, bucket, key, span, token), () => DeleteArchiveAsync(bucket, key), ct);
    }

    private async Task RunStartedAsync(string id, string bucket, string key, Activity? span, CancellationToken ct)
    {
        await using var file = new FileStream(Path.Combine(Path.GetTempPath(), $"myblog-import-{id}.zip"), FileMode.Create, FileAccess.ReadWrite,
            FileShare.None, 81920, FileOptions.DeleteOnClose);
        using (var archiveObject = await s3.GetObjectAsync(bucket, key, ct))
        {
            if (archiveObject.ContentLength > ImportUploads.MaxBytes)
            {
                await imports.FinishAsync(id, null, [], $"The archive is {archiveObject.ContentLength / (1024 * 1024)} MB; an import takes at most {ImportUploads.MaxBytes / (1024 * 1024)} MB.", ct);
                return;
            }
            await archiveObject.ResponseStream.CopyToAsync(file, ct);
        }
        file.Position = 0;

        BlogArchive archive;
        try
        {
            archive = BlogArchive.Open(file);
        }
        catch (InvalidDataException ex)
        {
            await imports.FinishAsync(id, null, [], ex.Message, ct);
            return;
        }
        using (archive)
        {
            var (format, files) = BlogSources.Read(archive);
            var results = archive.Refused.Select(r => new ImportFileResult(r.Name, ImportOutcome.Failed, Error: r.Reason)).ToList();
            if (format is null)
            {
                await imports.FinishAsync(id, null, results,
                    "No blog found in the archive: expected a Hugo site or its content/ folder, a Jekyll site (_posts/), or a Ghost JSON export.", ct);
                return;
            }
            span?.SetTag("myblog.import.format", format);
            var run = new ImportRun(archive, $"{format}:{BlogSources.SiteOf(archive, format)}");
            foreach (var source in OneByOne(files, results))
            {
                results.Add(await ImportAsync(source, run, span?.Id, ct));
                if (results.Count % ReportEvery == 0)
                {
                    await imports.ReportAsync(id, format, results, ct);
                }
            }
            await imports.FinishAsync(id, format, results, null, ct);
            logger.LogInformation("Import {Id} ({Format}): {Counts}", id, format,
                string.Join(", ", results.GroupBy(r => r.Status).Select(g => $"{g.Count()} {g.Key}")));
        }
        // The archive has done its work (and may hold unpublished drafts): it is not kept.
        await DeleteArchiveAsync(bucket, key);
    }

    private Task DeleteArchiveAsync(string bucket, string key) => s3.DeleteObjectAsync(bucket, key, CancellationToken.None);

    /// <summary>
    /// The archive's files, each read on its own: the readers turn what they cannot read into that file's result, and
    /// should one of them fail in a way nobody foresaw, the files read so far keep their results, that failure
    /// becomes one more result, and the import ends there instead of not at all.
    /// </summary>
    private static IEnumerable<SourceFile> OneByOne(IEnumerable<SourceFile> files, List<ImportFileResult> results)
    {
        using var reader = files.GetEnumerator();
        var broken = false;
        while (!broken)
        {
            SourceFile? next;
            try
            {
                next = reader.MoveNext() ? reader.Current : null;
            }
            catch (Exception ex) when (IsAboutTheInput(ex))
            {
                broken = true;
                next = new SourceFile(results.LastOrDefault()?.File is { } last ? $"(after {last})" : "(the archive)",
                    Error: $"The archive could not be read further: {ex.Message}");
            }
            if (next is null)
            {
                yield break;
            }
            yield return next;
        }
    }

    /// <summary>
    /// Whether an exception says something about the archive (a file fails with it) rather than about the services
    /// the import uses (storage, the table, the network: the whole message comes back and the run resumes).
    /// </summary>
    public static bool IsAboutTheInput(Exception ex) => ex switch
    {
        OperationCanceledException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or HttpRequestException => false,
        InvalidDataException => true,
        IOException => false,
        _ => true,
    };

    /// <summary>What one run has seen: the slugs already taken by an earlier file, the images already brought over.</summary>
    private sealed class ImportRun(BlogArchive archive, string site)
    {
        public BlogArchive Archive { get; } = archive;

        /// <summary>The blog the archive holds ("hugo:https://old.example.org"): with a file's name, a post's source.</summary>
        public string Site { get; } = site;
        public Dictionary<string, string> Slugs { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string?> Images { get; } = new(StringComparer.Ordinal);
    }

    private async Task<ImportFileResult> ImportAsync(SourceFile source, ImportRun run, string? traceParent, CancellationToken ct)
    {
        if (source.Error is not null)
        {
            return new ImportFileResult(source.File, ImportOutcome.Failed, Error: source.Error);
        }
        if (source.Post is not { } post)
        {
            return new ImportFileResult(source.File, ImportOutcome.Skipped, Error: source.Skipped);
        }
        var slug = Slug.From(post.Slug ?? post.Title ?? Path.GetFileNameWithoutExtension(post.File));
        if (run.Slugs.TryGetValue(slug, out var first))
        {
            return new ImportFileResult(source.File, ImportOutcome.Failed, slug, $"The slug '{slug}' is already taken by {first} in this archive.");
        }
        run.Slugs[slug] = source.File;
        if (System.Text.Encoding.UTF8.GetByteCount(post.Body) > PostInput.MaxMarkdownBytes)
        {
            // Checked before the body is scanned for images: the scans are linear, but there is no need to make them.
            return new ImportFileResult(source.File, ImportOutcome.Failed, slug,
                $"The post is {System.Text.Encoding.UTF8.GetByteCount(post.Body) / 1024} KB; a post's text can be at most {PostInput.MaxMarkdownBytes / 1024} KB.");
        }
        try
        {
            var (converted, conversionNotes) = ImportedMarkup.Convert(post.Body);
            var notes = (post.Notes ?? []).Concat(conversionNotes).ToList();
            var markdown = await BringImagesAsync(post with { Body = converted }, run, ct);
            var cover = post.Cover is { } coverPath ? PhotoId(await ImageAsync(coverPath, post, run, ct)) : null;
            if (post.Cover is not null && cover is null)
            {
                // A cover is one of the site's photos (its variants, its social image); one kept elsewhere is not fetched.
                notes.Add($"The cover image {Shorten(post.Cover)} is not in the archive (or not a photo MyBlog takes); the post has no cover — add one in the editor.");
            }
            var title = ImportedMarkup.WithoutControlCharacters(post.Title ?? TitleFrom(slug)).Text;
            var excerpt = post.Excerpt is null ? null : ImportedMarkup.WithoutControlCharacters(post.Excerpt).Text;
            // A page has no tags (it is in no list a tag makes).
            var tags = post.Kind == PostKind.Page ? [] : post.Tags.Select(PostInput.NormalizeTag).OfType<string>().Distinct().Take(PostInput.MaxTags).ToList();
            var input = new PostInput(title, markdown, tags, excerpt, cover, Kind: post.Kind.ToString().ToLowerInvariant());
            var note = notes.Count == 0 ? null : string.Join(" ", notes);
            if (!input.TryValidate(out var valid, out var errors))
            {
                return new ImportFileResult(source.File, ImportOutcome.Failed, slug,
                    string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")), note);
            }
            var now = time.GetUtcNow();
            var date = post.Date ?? now;
            var (written, placed) = await posts.ImportAsync(
                new ImportedPost(slug, valid, post.Draft, date, post.Updated ?? date, post.Origin ?? $"{run.Site}:{post.File}")
                {
                    OldPaths = OldUrls.For(post.OldUrls ?? [], PostSummary.PathFor(slug, post.Kind)),
                }, traceParent, ct);
            if (placed != slug)
            {
                notes.Add($"The slug '{slug}' belongs to a post this archive did not make (the author's, or another blog's); this one is '{placed}'.");
                note = string.Join(" ", notes);
            }
            return new ImportFileResult(source.File, written switch
            {
                ImportWrite.Imported => ImportOutcome.Imported,
                ImportWrite.Updated => ImportOutcome.Updated,
                _ => ImportOutcome.Skipped,
            }, placed, Note: note);
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException)
        {
            return new ImportFileResult(source.File, ImportOutcome.Failed, slug, ex.Message);
        }
        catch (Exception ex) when (IsAboutTheInput(ex))
        {
            // Input nobody anticipated: this file fails with what went wrong; storage that is away is not caught here,
            // and brings the whole message back.
            logger.LogWarning(ex, "Importing {File} failed", source.File);
            return new ImportFileResult(source.File, ImportOutcome.Failed, slug, $"The file could not be imported: {ex.Message}");
        }
    }

    /// <summary>
    /// The body with every image it shows from the archive pointing at its photo's variants: Markdown images and
    /// HTML <c>img</c> (Ghost's HTML, HTML in Markdown; Hugo's <c>figure</c> shortcode is a Markdown image by now). Images that are not in the archive (on another site) are left as they are.
    /// </summary>
    private async Task<string> BringImagesAsync(SourcePost post, ImportRun run, CancellationToken ct)
    {
        var body = post.Body;
        foreach (var (index, length, url) in ImageReferences(body))
        {
            if (await ImageAsync(url, post, run, ct) is { } media)
            {
                body = string.Concat(body.AsSpan(0, index), media, body.AsSpan(index + length));
            }
        }
        return body;
    }

    /// <summary>
    /// The image URLs a body shows — Markdown images and HTML <c>img</c> — with their places, last first, so that
    /// replacing one leaves the places of the others as they were.
    /// </summary>
    public static IReadOnlyList<(int Index, int Length, string Url)> ImageReferences(string body) =>
        MarkdownImage().Matches(body).Select(m => m.Groups["url"])
            .Concat(HtmlImage().Matches(body).Select(m => m.Groups["url"]))
            .OrderByDescending(g => g.Index)
            .Select(g => (g.Index, g.Length, g.Value))
            .ToList();

    /// <summary>The variant URL of the image at <paramref name="reference"/> if it is in the archive (brought over once per run).</summary>
    private async Task<string?> ImageAsync(string reference, SourcePost post, ImportRun run, CancellationToken ct)
    {
        if (Resolve(reference, post, run.Archive) is not { } path)
        {
            return null;
        }
        if (run.Images.TryGetValue(path, out var known))
        {
            return known;
        }
        string? media = null;
        try
        {
            var bytes = run.Archive.Read(path, PhotoUploads.MaxBytes);
            media = await PhotoAsync(path, bytes, ct);
        }
        catch (InvalidDataException ex)
        {
            logger.LogInformation("Image {Path} is not brought over: {Reason}", path, ex.Message);
        }
        run.Images[path] = media;
        return media;
    }

    /// <summary>
    /// Where a reference points inside the archive: relative to the post's folder (a page bundle), or from one of
    /// the engine's roots for a path from the site's root; a full URL counts when its path is in the archive (Ghost
    /// writes its own address into exports).
    /// </summary>
    private static string? Resolve(string reference, SourcePost post, BlogArchive archive)
    {
        var url = reference.Trim().Trim('<', '>');
        if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            url = absolute.AbsolutePath;
        }
        else if (url.Contains(':', StringComparison.Ordinal))
        {
            return null; // data:, mailto: and the like
        }
        url = Uri.UnescapeDataString(url.Split('?', '#')[0]);
        var candidates = url.StartsWith('/')
            ? post.Roots.Select(root => root + url.TrimStart('/'))
            : [post.Directory + url, .. post.Roots.Select(root => root + url)];
        return candidates.Select(Normalize).FirstOrDefault(p => p is not null && archive.Contains(p));
    }

    private static string? Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }
            if (segment == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(segment);
        }
        return string.Join('/', parts);
    }

    /// <summary>
    /// One image as a photo: its id a hash of its bytes, its original put where the editor's uploads go (the
    /// thumbnail worker takes it from there), unless that photo exists already. Answers the URL of its largest
    /// variant, which exists once the photo is ready; null when the file is not a photo MyBlog takes.
    /// </summary>
    private async Task<string?> PhotoAsync(string path, byte[] bytes, CancellationToken ct)
    {
        // The thumbnail worker's own guards (text chunks removed, the pixel limit) before anything reads the image.
        var check = images.Inspect(bytes);
        if (check.Refusal is not null)
        {
            logger.LogInformation("Image {Path} is not brought over: {Reason}", path, check.Refusal);
            return null;
        }
        var kind = check.Kind!.Value;
        var orientedWidth = check.Width;
        var id = Convert.ToHexStringLower(SHA256.HashData(bytes))[..32];
        var contentType = kind switch
        {
            ImageKind.Png => "image/png",
            ImageKind.Webp => "image/webp",
            ImageKind.Gif => "image/gif",
            _ => "image/jpeg",
        };
        var (photo, created) = await photos.EnsureAsync(id, new UploadRequest(path.Split('/')[^1], contentType, bytes.Length), ct);
        if (created || photo.Status == PhotoStatus.AwaitingUpload)
        {
            var put = new PutObjectRequest
            {
                BucketName = buckets.Value.Uploads,
                Key = Photo.OriginalKey(id),
                InputStream = new MemoryStream(bytes),
                ContentType = contentType,
                TagSet = [new Tag { Key = Photo.StatusTagKey, Value = Photo.UnprocessedTagValue }],
            };
            await s3.PutObjectAsync(put, ct);
        }
        return "/" + PhotoImage.VariantKey(id, ThumbnailGenerator.WidthsFor(orientedWidth)[^1], "jpg");
    }

    private static string? PhotoId(string? mediaUrl) => PhotoMarkup.IdFromUrl(mediaUrl);

    /// <summary>A reference as a result quotes it: a long one is cut.</summary>
    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";

    /// <summary>"my-first-post" → "My first post", for a file that names no title.</summary>
    private static string TitleFrom(string slug)
    {
        var words = slug.Replace('-', ' ');
        return words.Length == 0 ? "Untitled" : char.ToUpperInvariant(words[0]) + words[1..];
    }

    // The scans run over whatever a stranger's archive holds: the non-backtracking engine takes time linear in the
    // text, where a backtracking one is quadratic on a few hundred kilobytes of repeated "<img " or "{{< figure".
    [GeneratedRegex(@"!\[[^\]\n]*\]\(\s*(?<url><[^>\n]+>|[^)\s]+)(?:\s+(?:""[^""\n]*""|'[^'\n]*'))?\s*\)", RegexOptions.NonBacktracking)]
    private static partial Regex MarkdownImage();

    [GeneratedRegex(@"<img\b[^>]*?\bsrc\s*=\s*[""'](?<url>[^""']+)[""']", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex HtmlImage();
}
