using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MyBlog.Core.Subscribers;

namespace MyBlog.Core.Mail;

public enum WelcomeOutcome
{
    Sent,
    /// <summary>Already sent, being sent by another delivery, unsubscribed, or no such subscriber.</summary>
    NothingToDo,
}

/// <summary>
/// Decides whether a subscriber gets their welcome email, and sends it at most once: claim (conditional write),
/// send, record. A failed send gives the claim back and throws, so the delivery is retried.
/// </summary>
public sealed class WelcomeMailer(
    SubscriberStore subscribers,
    IMailSender sender,
    IOptions<MyBlogOptions> site,
    MailboxAddress from,
    ILogger<WelcomeMailer> logger)
{
    public async Task<WelcomeOutcome> SendAsync(string subscriberId, CancellationToken ct)
    {
        var claim = await subscribers.TryClaimWelcomeAsync(subscriberId, ct);
        if (claim is null)
        {
            logger.LogInformation("No welcome email for subscriber {SubscriberId}: already sent, in flight or not pending", subscriberId);
            return WelcomeOutcome.NothingToDo;
        }

        try
        {
            await sender.SendAsync(WelcomeEmail.Create(site.Value, from, claim), ct);
        }
        catch
        {
            await subscribers.ReleaseWelcomeAsync(claim, CancellationToken.None);
            throw;
        }

        if (!await subscribers.MarkWelcomeSentAsync(claim, ct))
        {
            logger.LogWarning("Welcome email for {SubscriberId} was sent after its lease expired", subscriberId);
        }
        logger.LogInformation("Welcome email sent to subscriber {SubscriberId}", subscriberId);
        return WelcomeOutcome.Sent;
    }
}
