namespace MyBlog.AppHost.Emulators;

/// <summary>
/// Where local runs keep their data. By default nowhere: every run starts with a fresh, empty blog (DynamoDB Local
/// in memory, empty buckets). <c>Local:Persist=true</c> keeps the table, the buckets and LocalAws's stream positions
/// in one folder between runs, as Aspire's data volumes do for containers: <c>Local:DataDirectory</c>, by default
/// <c>MyBlog/local</c> under the user's local application data (<c>~/.local/share</c> on Linux,
/// <c>~/Library/Application Support</c> on macOS, <c>%LOCALAPPDATA%</c> on Windows). Deleting the folder wipes it.
/// </summary>
public sealed record LocalData(bool Persist, string Directory)
{
    public static string DefaultDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "MyBlog", "local");

    public static LocalData From(IDistributedApplicationBuilder builder)
    {
        var persist = bool.TryParse(builder.Configuration["Local:Persist"], out var keep) && keep;
        var directory = Path.GetFullPath(builder.Configuration["Local:DataDirectory"] is { Length: > 0 } configured ? configured : DefaultDirectory);
        if (persist)
        {
            System.IO.Directory.CreateDirectory(directory);
            Console.WriteLine($"Local data is kept in {directory} (delete the folder to start afresh).");
        }
        return new LocalData(persist, directory);
    }

    /// <summary>
    /// A region's own data in a run of several: its table replica and LocalAws's state under a folder named for the
    /// region. Without Local:Persist the folder is made afresh for this run, because a region stopped and started in
    /// the run must come back with what it had, as a region does after an outage.
    /// </summary>
    public LocalData ForRegion(string region) => Persist
        ? new LocalData(true, Folder(region))
        : new LocalData(false, Path.Combine(Path.GetTempPath(), "myblog-regions", $"{Environment.ProcessId}-{region}"));

    /// <summary>One emulator's folder under the data directory, created if missing (DynamoDB Local requires it).</summary>
    public string Folder(string name) => System.IO.Directory.CreateDirectory(Path.Combine(Directory, name)).FullName;
}
