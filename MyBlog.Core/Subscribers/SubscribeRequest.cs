namespace MyBlog.Core.Subscribers;

/// <summary>
/// What a reader sends to subscribe: an address and, if they like, their name (kept for the newsletter, never put into
/// the welcome), with the proof of work the form made for this address (<see cref="SubscribeChallenge"/>).
/// </summary>
public sealed record SubscribeRequest(string? Email, string? Name, string? Challenge = null, string? Nonce = null)
{
    public const int MaxNameLength = 100;

    /// <summary>Validates and normalizes; returns the problems by field name, or a clean subscription.</summary>
    public bool TryValidate(out NewSubscriber subscriber, out Dictionary<string, string[]> errors)
    {
        errors = [];
        subscriber = default!;

        if (!EmailAddress.TryParse(Email, out var address, out var emailError))
        {
            errors["email"] = [emailError];
        }

        var name = Name?.Trim();
        if (!string.IsNullOrEmpty(name))
        {
            if (name.Length > MaxNameLength)
            {
                errors["name"] = [$"A name can be at most {MaxNameLength} characters long."];
            }
            else if (name.Any(char.IsControl))
            {
                errors["name"] = ["A name cannot contain control characters or line breaks."];
            }
        }

        if (errors.Count > 0)
        {
            return false;
        }
        subscriber = new NewSubscriber(address!, string.IsNullOrEmpty(name) ? null : name);
        return true;
    }
}

public sealed record NewSubscriber(EmailAddress Email, string? Name);

/// <summary>A subscriber as another platform's export lists it, with the consent it records.</summary>
/// <param name="State">Confirmed (opted in there), pending (no proof of opt-in: a welcome asks), unsubscribed, bounced or complained.</param>
/// <param name="MailBlocked">Why mail stopped there, for a bounced or complained subscriber.</param>
public sealed record ImportedSubscriber(
    EmailAddress Email, string? Name, SubscriberState State, DateTimeOffset? SubscribedAt,
    DateTimeOffset? ConfirmedAt = null, DateTimeOffset? UnsubscribedAt = null, string? MailBlocked = null);
