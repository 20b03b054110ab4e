using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MyBlog.Core.Subscribers;

/// <summary>The subscribers' two secrets. Bound from "Subscribers"; both secrets (Parameter Store on AWS).</summary>
public sealed class SubscriberKeyOptions
{
    public const string Section = "Subscribers";

    /// <summary>
    /// What unsubscribe links in newsletters are signed with. It may be rotated: links signed with a key in
    /// <see cref="PreviousLinkKeys"/> keep working, so the newsletters already in inboxes do too.
    /// </summary>
    [Required, StringLength(4096, MinimumLength = 32)]
    public string LinkKey { get; set; } = "";

    /// <summary>Keys links were signed with before the last rotations; drop one once its links may go (a year).</summary>
    public List<string> PreviousLinkKeys { get; set; } = [];

    /// <summary>
    /// What a subscriber's id is derived from (with the address): keyed, so an id in a link, a log line or a backup
    /// cannot be turned back into an address with a dictionary of addresses. It is never rotated — the ids are the
    /// table's keys.
    /// </summary>
    [Required, StringLength(4096, MinimumLength = 32)]
    public string IdKey { get; set; } = "";
}

/// <summary>The data annotations above, compiled (no reflection at start, as in the Native AOT API).</summary>
[OptionsValidator]
public sealed partial class SubscriberKeyOptionsValidator : IValidateOptions<SubscriberKeyOptions>;
