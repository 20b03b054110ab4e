using MyBlog.Core.Uploads;

namespace MyBlog.Core.Imports;

public static class ImportStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>What became of one file of an archive (or one post of a Ghost export).</summary>
public static class ImportOutcome
{
    public const string Imported = "imported";
    public const string Updated = "updated";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

/// <param name="Error">Why it failed, or why it was skipped.</param>
/// <param name="Note">What the author should know about a post that came in: what was converted, removed or left as text.</param>
public sealed record ImportFileResult(string File, string Status, string? Slug = null, string? Error = null, string? Note = null);

/// <summary>An import: the archive the author uploads, and what the import worker made of it.</summary>
public sealed record ImportJob(string Id, string FileName, long DeclaredSize, string Status, DateTimeOffset CreatedAt)
{
    public const string ArchivesPrefix = "imports/";

    /// <summary>A list of subscribers (its results name readers' addresses: for owners only), not a blog archive.</summary>
    public bool OfSubscribers { get; init; }

    /// <summary>The kind of blog the archive held ("hugo", "jekyll", "ghost"), once read.</summary>
    public string? Format { get; init; }

    /// <summary>Why the whole archive was refused (a zip bomb, too many entries, not a blog), when it was.</summary>
    public string? Error { get; init; }

    public IReadOnlyList<ImportFileResult> Results { get; init; } = [];

    /// <summary>
    /// How many rows had each outcome, for an import too large to list every row (a subscriber list): its results
    /// then name only the rows the author should look at. Null for a blog archive, whose results list every file.
    /// </summary>
    public IReadOnlyDictionary<string, int>? Tally { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Until when the run that holds it may go on (a running import); null when nobody holds it.</summary>
    public DateTimeOffset? RunnerLeaseUntil { get; init; }

    /// <summary>
    /// Running, but nobody is running it now: the last run stopped before it finished (a worker killed at its time limit leaves no
    /// word), and the queue delivers the archive again later. The author is told rather than kept waiting.
    /// </summary>
    public bool IsStalled(DateTimeOffset now) => Status == ImportStatus.Running && RunnerLeaseUntil is { } lease && lease < now;

    /// <summary>Where the archive is uploaded: <c>imports/{importId}/archive.zip</c> in the uploads bucket.</summary>
    public static string ArchiveKey(string importId) => $"{ArchivesPrefix}{importId}/archive.zip";

    /// <summary>Where a subscriber list is uploaded: <c>imports/{importId}/subscribers.csv</c> in the uploads bucket.</summary>
    public static string SubscribersKey(string importId) => $"{ArchivesPrefix}{importId}/{SubscribersFile}";

    private const string SubscribersFile = "subscribers.csv";

    /// <summary>The import id of an archive's key, or null for any other key.</summary>
    public static string? IdFromArchiveKey(string key) =>
        key.Split('/') is ["imports", var id, "archive.zip"] && Photos.Photo.IsValidId(id) ? id : null;

    /// <summary>The import id of a subscriber list's key, or null for any other key.</summary>
    public static string? IdFromSubscribersKey(string key) =>
        key.Split('/') is ["imports", var id, SubscribersFile] && Photos.Photo.IsValidId(id) ? id : null;
}

/// <summary>A run's start: how many runs there have been, this one included, and how many of those before it vanished without reporting.</summary>
public sealed record ImportStart(int Attempts, int Vanished);

/// <summary>The exports a subscriber import reads (an import's <c>format</c>).</summary>
public static class SubscriberListFormats
{
    public const string Ghost = "ghost-members";
    public const string Substack = "substack";
    public const string Mailchimp = "mailchimp";
    public const string Buttondown = "buttondown";
    public const string MyBlog = "myblog";
    public const string Plain = "csv";

    public static IReadOnlyList<string> All { get; } = [Ghost, Substack, Mailchimp, Buttondown, MyBlog, Plain];
}

/// <summary>What a subscriber import accepts: one CSV export of another platform's list (or of this one's).</summary>
public static class SubscriberImportUploads
{
    /// <summary>A few hundred thousand rows of any of the platforms' exports.</summary>
    public const long MaxBytes = 100L * 1024 * 1024;

    public static UploadRules Rules { get; } = new(
        Noun: "Subscriber list",
        MaxBytes: MaxBytes,
        AcceptedTypes: new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "text/csv", "application/vnd.ms-excel" },
        TypesError: "A subscriber import is one CSV file (text/csv): an export from Ghost, Substack, Mailchimp, Buttondown or MyBlog, or any file with an 'email' column.",
        TooLargeDetail: $"A subscriber list can be at most {MaxBytes / (1024 * 1024)} MB; split a larger one.");
}

/// <summary>What an import accepts: one .zip archive, read by the worker to its temporary disk, images and all.</summary>
public static class ImportUploads
{
    /// <summary>Far more than a request to the API may carry, so archives go straight to storage.</summary>
    public const long MaxBytes = 200L * 1024 * 1024;

    public static UploadRules Rules { get; } = new(
        Noun: "Archive",
        MaxBytes: MaxBytes,
        AcceptedTypes: new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "application/zip", "application/x-zip-compressed" },
        TypesError: "An import is one .zip archive (application/zip): a Hugo content folder, a Jekyll site, or a Ghost export with its images.",
        TooLargeDetail: $"An archive can be at most {MaxBytes / (1024 * 1024)} MB; import a large blog in parts (by year, say).");
}
