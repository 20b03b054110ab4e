namespace MyBlog.Core.Subscribers;

public enum SubscriberStatus
{
    Pending,
    Confirmed,
    Unsubscribed,
}

/// <summary>A subscriber as stored (the PROFILE item under <c>SUBSCRIBER#{id}</c>).</summary>
public sealed record Subscriber(
    string Id,
    string Email,
    string? Name,
    SubscriberStatus Status,
    DateTimeOffset SubscribedAt,
    DateTimeOffset? WelcomeSentAt);

/// <summary>The outcome of following a confirm link.</summary>
public enum ConfirmOutcome
{
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
