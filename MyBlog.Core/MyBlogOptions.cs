using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;

namespace MyBlog.Core;

/// <summary>What every MyBlog service needs to know about the site it serves. Bound from the "MyBlog" section.</summary>
public sealed class MyBlogOptions
{
    public const string Section = "MyBlog";

    [Required, RegularExpression("^[A-Za-z0-9_.-]{3,255}$")]
    public string TableName { get; set; } = MyBlogTable.DefaultName;

    [Required, StringLength(100, MinimumLength = 1)]
    public string SiteName { get; set; } = "MyBlog";

    /// <summary>The public address readers use (the edge locally, CloudFront on AWS); links in emails start here.</summary>
    [Required, Url]
    public string SiteUrl { get; set; } = "http://localhost:8080";

    public Uri SiteUri => new(SiteUrl.TrimEnd('/') + "/");

    /// <summary>These options with another name for the site (the title the author set in the settings).</summary>
    public MyBlogOptions Named(string siteName)
    {
        var copy = (MyBlogOptions)MemberwiseClone();
        copy.SiteName = siteName;
        return copy;
    }

    /// <summary>
    /// The region this copy of the stack runs in, when the table is a global table with a stack per region: work a
    /// write makes owed (a welcome email) belongs to the region that wrote it, and only that region does it. None:
    /// one region, and nothing is told apart.
    /// </summary>
    [RegularExpression("^[a-z]{2}(-[a-z]+)+-[0-9]$")]
    public string? Region { get; set; }
}

/// <summary>The data annotations above, compiled (no reflection at start, as in the Native AOT API).</summary>
[OptionsValidator]
public sealed partial class MyBlogOptionsValidator : IValidateOptions<MyBlogOptions>;
