using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MyBlog.Core;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Mail;

namespace MyBlog.Workers.Subscribers;

/// <summary>Who is asking: the stream's fast attempt may try at once; the sweep waits for an attempt's backoff.</summary>
public enum WelcomePath
{
    Stream,
    Sweep,
}

public enum WelcomeOutcome
{
    Sent,

    /// <summary>Nothing to claim now: sent already, refused for good, held by another sender, or waiting its backoff.</summary>
    NotClaimable,

    /// <summary>The send failed in a way that may pass; the welcome stays owed and is retried.</summary>
    RetryLater,

    /// <summary>The server refused it for good; recorded on the subscriber and never retried.</summary>
    Refused,
}

/// <param name="Failure">For <see cref="WelcomeOutcome.RetryLater"/>: how the send failed.</param>
public sealed record WelcomeResult(WelcomeOutcome Outcome, MailFailure? Failure = null)
{
    /// <summary>
    /// The mail server is away or asking us to slow down, or refused the welcome itself (every welcome is the same
    /// message): sending more now would only fail the same way.
    /// </summary>
    public bool ServerUnavailable => Failure is MailFailure.Unavailable or MailFailure.MessageRefused or MailFailure.AccountSetup;
}

/// <summary>
/// Sends one owed welcome email, at most once per claim: claim (conditional write), (with regions: wait for the table
/// to settle, and check the claim is still this region's,) send, record. Whatever goes
/// wrong leaves the welcome owed — a failure that may pass is given back with a backoff, a holder that dies lets
/// its lease expire — so the sweep sends it later; only a refusal for good (5xx) ends it unsent.
/// </summary>
public sealed class WelcomeMailer(
    SubscriberStore subscribers,
    IMailSender sender,
    IOptions<WelcomeOptions> welcome,
    MailboxAddress from,
    ILogger<WelcomeMailer> logger,
    TimeProvider time,
    MyBlog.Core.Settings.SettingsStore settings)
{
    private static readonly ActivitySource Source = new("MyBlog.Mail");

    /// <summary>How long a welcome waits after the server refused the message itself.</summary>
    public static readonly TimeSpan MessageRefusedBackoff = TimeSpan.FromHours(1);

    /// <summary>With regions, how long a claim waits before it is acted on (<see cref="WelcomeOptions.Settle"/>); zero in one region.</summary>
    public TimeSpan Settle => welcome.Value.Settle;

    /// <summary>Gives a claim back unsent (its batch ran out of time before its turn): owed again after the backoff.</summary>
    public Task GiveBackAsync(WelcomeClaim claim, string reason) => subscribers.RetryWelcomeLaterAsync(claim, reason, CancellationToken.None);

    /// <summary>Claims the welcome and sends it (with regions, once the claim has settled).</summary>
    public async Task<WelcomeResult> SendAsync(string subscriberId, WelcomePath path, CancellationToken ct)
    {
        var claim = await ClaimAsync(subscriberId, path, ct);
        if (claim is null)
        {
            return new WelcomeResult(WelcomeOutcome.NotClaimable);
        }
        if (welcome.Value.Settle > TimeSpan.Zero)
        {
            await Task.Delay(welcome.Value.Settle, time, ct);
        }
        return await DeliverAsync(claim, path, ct);
    }

    /// <summary>
    /// Takes the right to send one welcome (<see cref="SubscriberStore.TryClaimWelcomeAsync"/>); the stream may try at
    /// once, the sweep only once it is due. Null: nothing to claim now.
    /// </summary>
    public async Task<WelcomeClaim?> ClaimAsync(string subscriberId, WelcomePath path, CancellationToken ct)
    {
        var claim = await subscribers.TryClaimWelcomeAsync(subscriberId, onlyIfDue: path == WelcomePath.Sweep, ct);
        if (claim is null)
        {
            logger.LogDebug("No welcome to claim for subscriber {SubscriberId}: sent, refused, in flight or not yet due", subscriberId);
        }
        return claim;
    }

    /// <summary>
    /// Sends a claimed welcome and records what became of it. With regions the claim must have settled first (the
    /// caller waited <see cref="WelcomeOptions.Settle"/> after claiming, once for a whole batch), and it is sent only if
    /// it is still this region's (<see cref="SubscriberStore.StillClaimedAsync"/>).
    /// </summary>
    public async Task<WelcomeResult> DeliverAsync(WelcomeClaim claim, WelcomePath path, CancellationToken ct)
    {
        var subscriberId = claim.Subscriber.Id;
        if (welcome.Value.Settle > TimeSpan.Zero && !await subscribers.StillClaimedAsync(claim, ct))
        {
            logger.LogInformation("Welcome for subscriber {SubscriberId}: another region's write to it won, and that region sends it", subscriberId);
            return new WelcomeResult(WelcomeOutcome.NotClaimable);
        }

        // The sweep runs in a trace of its own; the send joins the trace of the subscribe request that owes it.
        using var span = path == WelcomePath.Sweep ? StartUnderStoredTrace(claim.TraceParent) : null;
        span?.SetTag("myblog.subscriber.id", subscriberId);
        span?.SetTag("myblog.welcome.attempt", claim.Subscriber.WelcomeAttempts);

        var message = WelcomeEmail.Create(await settings.ForEmailAsync(ct), from, claim);
        try
        {
            await sender.SendAsync(message, welcome.Value.StartBy(claim.ClaimedAt), ct);
        }
        catch (MailSendException ex) when (ex.IsPermanent)
        {
            await subscribers.MarkWelcomeFailedAsync(claim, ex.Message, CancellationToken.None);
            logger.LogWarning("Welcome email for {SubscriberId} refused for good: {Reason}", subscriberId, ex.Message);
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            return new WelcomeResult(WelcomeOutcome.Refused);
        }
        catch (MailSendException ex) when (ex.Failure == MailFailure.AccountSetup)
        {
            // Nobody gets mail until a person changes the account: the welcome stays owed, tried again slowly.
            await subscribers.RetryWelcomeLaterAsync(claim, ex.Message, CancellationToken.None, atLeast: MailAccountSetup.Backoff);
            logger.LogError("{Marker}: the mail service refuses to send for the account's setup; welcomes stay owed and are tried again in {Minutes} minutes. {Fix} {Reason}",
                MailAccountSetup.LogMarker, MailAccountSetup.Backoff.TotalMinutes, MailAccountSetup.Fix, ex.Message);
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            return new WelcomeResult(WelcomeOutcome.RetryLater, ex.Failure);
        }
        catch (MailSendException ex) when (ex.Failure == MailFailure.MessageRefused)
        {
            // The server refused the welcome itself, not this reader: it stays owed, and is tried again after an hour,
            // not every minute, while someone looks at why (the log says it as an error).
            await subscribers.RetryWelcomeLaterAsync(claim, ex.Message, CancellationToken.None, atLeast: MessageRefusedBackoff);
            logger.LogError("The mail server refused the welcome email itself; welcomes stay owed and are tried again in an hour: {Reason}", ex.Message);
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            return new WelcomeResult(WelcomeOutcome.RetryLater, ex.Failure);
        }
        catch (MailSendException ex)
        {
            await subscribers.RetryWelcomeLaterAsync(claim, ex.Message, CancellationToken.None);
            logger.LogWarning("Welcome email for {SubscriberId} not sent ({Failure}), attempt {Attempt}; it stays owed: {Reason}",
                subscriberId, ex.Failure, claim.Subscriber.WelcomeAttempts, ex.Message);
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            return new WelcomeResult(WelcomeOutcome.RetryLater, ex.Failure);
        }
        catch (Exception ex)
        {
            // Shutting down, or something unforeseen: give the claim back rather than wait out the lease.
            await subscribers.RetryWelcomeLaterAsync(claim, ex.Message, CancellationToken.None);
            throw;
        }

        // The server has the message: record that whatever the caller's token says, or it would be sent again.
        if (!await subscribers.MarkWelcomeSentAsync(claim, CancellationToken.None))
        {
            logger.LogWarning("Welcome email for {SubscriberId} was sent after its lease was taken over", subscriberId);
        }
        logger.LogInformation("Welcome email sent to subscriber {SubscriberId}", subscriberId);
        return new WelcomeResult(WelcomeOutcome.Sent);
    }

    private static Activity? StartUnderStoredTrace(string? traceParent)
    {
        var sweep = Activity.Current;
        if (!ActivityContext.TryParse(traceParent, null, isRemote: true, out var stored))
        {
            return Source.StartActivity("welcome-mail", ActivityKind.Consumer);
        }
        ActivityLink[]? links = sweep is null ? null : [new ActivityLink(sweep.Context)];
        return Source.StartActivity("welcome-mail", ActivityKind.Consumer, stored, links: links);
    }
}
