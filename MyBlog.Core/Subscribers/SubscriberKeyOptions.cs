using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MyBlog.Core.Subscribers;

/// <summary>
/// What a subscriber's id is derived from (with the address). Bound from "Subscribers"; a secret (Parameter Store on
/// AWS), needed wherever subscribers are read or written.
/// </summary>
public sealed class SubscriberIdOptions
{
    public const string Section = "Subscribers";

    /// <summary>
    /// Keyed, so an id in a link, a log line or a backup cannot be turned back into an address with a dictionary of
    /// addresses. It is never rotated — the ids are the table's keys.
    /// </summary>
    [Required, StringLength(4096, MinimumLength = 32)]
    public string IdKey { get; set; } = "";
}

/// <summary>
/// What unsubscribe links in newsletters (and the subscribe form's challenges) are signed with. Bound from
/// "Subscribers"; a secret, needed only where links are made or checked.
/// </summary>
public sealed class SubscriberLinkOptions
{
    public const string Section = "Subscribers";

    /// <summary>
    /// The key that signs now. It may be rotated: links signed with a key in <see cref="PreviousLinkKeys"/> keep
    /// working, so the newsletters already in inboxes do too.
    /// </summary>
    [Required, StringLength(4096, MinimumLength = 32)]
    public string LinkKey { get; set; } = "";

    /// <summary>Keys links were signed with before the last rotations; drop one once its links may go (a year).</summary>
    public List<string> PreviousLinkKeys { get; set; } = [];
}

/// <summary>The data annotations above, compiled (no reflection at start, as in the Native AOT API).</summary>
[OptionsValidator]
public sealed partial class SubscriberIdOptionsValidator : IValidateOptions<SubscriberIdOptions>;

/// <summary>The data annotations above, compiled.</summary>
[OptionsValidator]
public sealed partial class SubscriberLinkOptionsValidator : IValidateOptions<SubscriberLinkOptions>;
