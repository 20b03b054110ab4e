namespace MyBlog.Core.Subscribers;

public enum SubscriberStatus
{
    Pending,
    Confirmed,
    Unsubscribed,
}

/// <summary>
/// A subscriber as the author sees it: its status, except that an address whose mail stopped shows why (a permanent
/// bounce, or a complaint), as Ghost, Substack and Mailchimp list them.
/// </summary>
public enum SubscriberState
{
    Pending,
    Confirmed,
    Unsubscribed,
    Bounced,
    Complained,
}

public static class SubscriberStates
{
    /// <summary>The prefix of the reason a complaint blocks mail with (the mail feedback handler writes it).</summary>
    public const string ComplaintReason = "complained";

    public static SubscriberState Of(SubscriberStatus status, string? mailBlocked) => mailBlocked switch
    {
        null => status switch
        {
            SubscriberStatus.Confirmed => SubscriberState.Confirmed,
            SubscriberStatus.Unsubscribed => SubscriberState.Unsubscribed,
            _ => SubscriberState.Pending,
        },
        _ when mailBlocked.StartsWith(ComplaintReason, StringComparison.OrdinalIgnoreCase) => SubscriberState.Complained,
        _ => SubscriberState.Bounced,
    };

    public static bool TryParse(string? text, out SubscriberState state) =>
        Enum.TryParse(text, ignoreCase: true, out state) && Enum.IsDefined(state) && !int.TryParse(text, out _);
}

/// <summary>A subscriber as stored (the PROFILE item under <c>SUBSCRIBER#{id}</c>).</summary>
/// <param name="WelcomeOwed">A welcome email is owed and not yet sent (the subscriber is in the owed index).</param>
/// <param name="WelcomeAttempts">Attempts at the welcome owed now (or last sent).</param>
/// <param name="WelcomeFailure">Why the last welcome was refused for good (a 5xx from the mail server), if it was.</param>
public sealed record Subscriber(
    string Id,
    string Email,
    string? Name,
    SubscriberStatus Status,
    DateTimeOffset SubscribedAt,
    DateTimeOffset? WelcomeSentAt,
    bool WelcomeOwed = false,
    int WelcomeAttempts = 0,
    string? WelcomeFailure = null)
{
    /// <summary>Why no mail goes to this address any more (a bounce, a complaint), if none does.</summary>
    public string? MailBlocked { get; init; }

    /// <summary>Which subscription this is (raised each time an unsubscribed reader subscribes again); signed links name it.</summary>
    public int Generation { get; init; }

    /// <summary>Whether a newsletter goes to this subscriber now.</summary>
    public bool ReceivesNewsletter => Status == SubscriberStatus.Confirmed && MailBlocked is null;
}

/// <summary>What a subscribe request did. The API answers the same for all three, so it reveals nobody.</summary>
public enum SubscribeOutcome
{
    /// <summary>A new subscriber; a welcome is owed.</summary>
    Added,

    /// <summary>A known address that is not confirmed (unsubscribed, or its link expired or got lost): a fresh welcome is owed.</summary>
    WelcomedAgain,

    /// <summary>Confirmed already, unsubscribed (only a link we sent brings it back), or a welcome already on its way.</summary>
    Unchanged,

    /// <summary>A new address whose mailbox was sent a welcome too lately (by this or another spelling of it): not stored.</summary>
    Throttled,
}

/// <summary>The state a confirm link finds (on the page) or leaves (after the button).</summary>
public enum ConfirmOutcome
{
    /// <summary>The link is good and the subscription waits for the reader's click.</summary>
    AwaitingConfirmation,
    Confirmed,
    AlreadyConfirmed,
    Expired,
    Invalid,
    Unsubscribed,
}

/// <summary>The outcome of an unsubscribe request.</summary>
public enum UnsubscribeOutcome
{
    Unsubscribed,
    Invalid,
}

/// <summary>The outcome of subscribing again from a link we sent (the unsubscribe link of a welcome or a newsletter).</summary>
public enum ResubscribeOutcome
{
    Resubscribed,
    AlreadySubscribed,
    Invalid,
}

/// <summary>The outcome of asking for a new confirm link from an expired one.</summary>
public enum ResendOutcome
{
    /// <summary>A new welcome is owed (or one was already on its way).</summary>
    Sent,

    /// <summary>A welcome went to this address less than the resend interval ago.</summary>
    TooSoon,
    AlreadyConfirmed,
    Unsubscribed,
    Invalid,
}
