namespace MyBlog.Core;

/// <summary>
/// The API's health path that decides which region serves: the API answers it (MyBlog.Api RegionHealth), Route 53's
/// health checks ask it on AWS, and the local edge asks it as they do.
/// </summary>
public static class HealthPaths
{
    public const string Region = "/health/region";

    /// <summary>
    /// How long the region check waits for its table. Route 53 times a check out after 4 seconds (2 for the
    /// connection); the table's read must fit well inside.
    /// </summary>
    public static readonly TimeSpan RegionTableTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long whoever asks the region check should wait for its answer: the table's time and a second for the rest.
    /// A checker that gives up sooner would take out a region whose table is slow but answering — one the check itself
    /// calls healthy — and never hear the check's own 503 and reason when the table does not answer.
    /// </summary>
    public static readonly TimeSpan RegionCheckTimeout = RegionTableTimeout + TimeSpan.FromSeconds(1);
}
