namespace MyBlog.LocalAws.Replication;

/// <summary>
/// This region's part in a local global table (bound from "LocalAws:Replication"). With no peers the table is a
/// single-region table, as it is by default, and nothing here runs.
/// </summary>
public sealed class ReplicationOptions
{
    public const string Section = "LocalAws:Replication";

    /// <summary>The region this LocalAws plays, e.g. us-east-1; it names the region in every change it ships.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>The other regions' LocalAws, by region name: where this region's changes are shipped.</summary>
    public Dictionary<string, Uri> Peers { get; set; } = [];

    /// <summary>
    /// How long a change waits before it is shipped: global tables replicate asynchronously, usually within a second;
    /// a test sets this longer to hold a conflict open.
    /// </summary>
    public TimeSpan Lag { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often this region's stream is read for changes to ship.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    public bool Enabled => Peers.Count > 0;
}
