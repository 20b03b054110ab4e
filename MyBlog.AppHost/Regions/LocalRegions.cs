using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace MyBlog.AppHost.Regions;

/// <summary>
/// The regions a local run plays. One by default (us-east-1), with the resource names a single-region run has always
/// had. <c>Local:Regions=us-east-1,eu-west-1</c> runs more: each region its own DynamoDB Local (a replica of the global
/// table), LocalAws (its stream deliveries and its replication), workers and API; the first region listed is the home
/// region and keeps the plain names, the others' resources carry the region's name (<c>api-eu-west-1</c>).
/// </summary>
public static partial class LocalRegions
{
    public const string Default = "us-east-1";

    /// <summary>The regions in order of preference (the edge sends readers to the first healthy one), or the reason they are unusable.</summary>
    public static (IReadOnlyList<string> Regions, string? Problem) From(IConfiguration configuration)
    {
        var text = configuration["Local:Regions"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return ([Default], null);
        }
        var regions = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (regions.FirstOrDefault(r => !RegionName().IsMatch(r)) is { } bad)
        {
            return ([], $"Local:Regions names \"{bad}\", which is not a region name like us-east-1 or eu-west-1.");
        }
        if (regions.Distinct(StringComparer.Ordinal).Count() != regions.Length)
        {
            return ([], "Local:Regions names a region twice.");
        }
        // A replica per region, as global tables allow; a laptop fits three of each process comfortably.
        if (regions.Length > 3)
        {
            return ([], $"Local:Regions names {regions.Length} regions; a local run plays at most three.");
        }
        return (regions, null);
    }

    /// <summary>How long a change takes to reach the other regions' replicas (<c>Local:ReplicationLag</c>, default half a second).</summary>
    public static TimeSpan ReplicationLag(IConfiguration configuration) =>
        TimeSpan.TryParse(configuration["Local:ReplicationLag"], System.Globalization.CultureInfo.InvariantCulture, out var lag) && lag >= TimeSpan.Zero
            ? lag
            : TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a region may be silent before the others take over its owed welcomes (<c>Local:HandoverAfter</c>): a
    /// minute unless set, six of the local sweep's ten-second runs.
    /// </summary>
    public static TimeSpan HandoverAfter(IConfiguration configuration) =>
        TimeSpan.TryParse(configuration["Local:HandoverAfter"], System.Globalization.CultureInfo.InvariantCulture, out var after) && after > TimeSpan.Zero
            ? after
            : TimeSpan.FromMinutes(1);

    /// <summary>A resource's name in a region: the home region's keep the plain name.</summary>
    public static string Named(string resource, string region, IReadOnlyList<string> regions) =>
        region == regions[0] ? resource : $"{resource}-{region}";

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]$")]
    private static partial Regex RegionName();
}
