using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MyBlog.Core.Authors;

/// <summary>The author's bearer token (the AppHost parameter <c>admin-token</c> locally). Bound from "Admin".</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    [Required, StringLength(4096, MinimumLength = 16)]
    public string Token { get; set; } = "";
}

/// <summary>The data annotations above, compiled (no reflection at start in the Native AOT build).</summary>
[OptionsValidator]
public sealed partial class AdminOptionsValidator : IValidateOptions<AdminOptions>;
