using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MyBlog.Core.Authors;

/// <summary>
/// The one-time setup code (the AppHost parameter <c>setup-code</c> locally; a Parameter Store secret on AWS). Whoever
/// has it may make the blog's first owner, once; after that it opens nothing. Bound from "Admin".
/// </summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    [Required, StringLength(4096, MinimumLength = 16)]
    public string SetupCode { get; set; } = "";
}

/// <summary>The data annotations above, compiled (no reflection at start in the Native AOT build).</summary>
[OptionsValidator]
public sealed partial class AdminOptionsValidator : IValidateOptions<AdminOptions>;
