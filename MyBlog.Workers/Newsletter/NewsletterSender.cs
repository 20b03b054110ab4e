using System.Diagnostics;
using Microsoft.Extensions.Options;
using MimeKit;
using MyBlog.Core;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Mail;

namespace MyBlog.Workers.Newsletter;

/// <summary>What became of one batch: done (every recipient has an outcome or belongs to another sender), or to retry.</summary>
public enum BatchOutcome
{
    Done,

    /// <summary>Some sends failed in a way that may pass: the batch comes back (SQS redelivers it) for them alone.</summary>
    RetryLater,
}

/// <summary>
/// Sends one batch of a newsletter: for each recipient, claim (a lease on its marker), check they still read the
/// newsletter, send at the shared pace, record the outcome with the job's counter. A redelivered batch finds its
/// sent recipients closed and mails nobody twice; a refusal for good marks the recipient failed and stops all mail
/// to the address (a bounce); a failure that may pass gives the recipient back for the redelivery, and a mail
/// server that is away stops the batch at once (the rest would only time out one by one). A recipient another
/// sender holds makes the batch come back too: should that holder die, the redelivery sends it.
/// </summary>
public sealed class NewsletterSender(
    NewsletterStore jobs,
    SubscriberStore subscribers,
    SubscriberLinks links,
    PostStore posts,
    PhotoStore photos,
    IMailSender sender,
    MailboxAddress from,
    IOptions<MyBlogOptions> site,
    IOptions<NewsletterOptions> options,
    TimeProvider time,
    ILogger<NewsletterSender> logger,
    MyBlog.Core.Settings.SettingsStore settings)
{
    private static readonly ActivitySource Source = new("MyBlog.Newsletter");

    public async Task<BatchOutcome> SendAsync(NewsletterBatch batch, CancellationToken ct)
    {
        using var span = Source.StartActivity("newsletter.send", ActivityKind.Consumer,
            ActivityContext.TryParse(batch.TraceParent, null, isRemote: true, out var parent) ? parent : default);
        span?.SetTag("myblog.post.slug", batch.Slug);
        var post = await posts.GetAsync(batch.Slug, ct);
        var images = post is null ? [] : await photos.GetReadyImagesAsync(post.PhotoIds(), ct);
        // The site's name as the author set it, read once for the batch.
        var named = await settings.ForEmailAsync(ct);
        if (batch.Test)
        {
            return await SendTestAsync(post, images, named, ct);
        }
        if (await jobs.GetPlanAsync(batch.JobId, ct) is not { Failed: false })
        {
            // Failed (the server refused the message itself): its recipients wait, unsent, for the author's retry.
            return BatchOutcome.Done;
        }
        if (post?.NewsletterJob != batch.JobId)
        {
            post = null; // deleted, and the slug taken by another post since: this job's post is gone
        }

        // A few recipients at once: each send waits on the mail server for most of its time, and the process's
        // one pace (MailPace) keeps the rate whatever the parallelism.
        var retry = 0;
        var unavailable = 0;
        await Parallel.ForEachAsync(batch.Recipients ?? [],
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.Parallelism, CancellationToken = ct },
            async (subscriberId, token) =>
            {
                if (Volatile.Read(ref unavailable) == 1)
                {
                    // The server is away (the rest would only time out one by one), or refused the message itself.
                    return;
                }
                switch (await SendOneAsync(batch.JobId, subscriberId, post, images, named, token))
                {
                    case RecipientOutcome.RetryLater:
                        Interlocked.Exchange(ref retry, 1);
                        break;
                    case RecipientOutcome.ServerUnavailable:
                        Interlocked.Exchange(ref retry, 1);
                        Interlocked.Exchange(ref unavailable, 1);
                        break;
                    case RecipientOutcome.JobFailed:
                        Interlocked.Exchange(ref unavailable, 1); // nothing more from this batch; it is not retried either
                        break;
                }
            });
        // A batch stopped because the server is away comes back; one stopped because the job failed does not.
        return retry == 1 ? BatchOutcome.RetryLater : BatchOutcome.Done;
    }

    private enum RecipientOutcome
    {
        Done,
        RetryLater,
        ServerUnavailable,

        /// <summary>The server refused the message itself: the job has failed and sends nothing until it is retried.</summary>
        JobFailed,
    }

    private async Task<RecipientOutcome> SendOneAsync(
        string jobId, string subscriberId, Post? post, IReadOnlyDictionary<string, PhotoImage> images, MyBlogOptions named, CancellationToken ct)
    {
        var lease = options.Value.Lease;
        // The subscriber first: a batch planned while subscribers moved to keyed ids may name one by its old id, and
        // the marker is the subscriber's (its id as the table keys it now), so whichever id a batch names, one send.
        var subscriber = await subscribers.FindAsync(subscriberId, ct);
        RecipientClaim claim;
        switch (await jobs.TryClaimAsync(jobId, subscriber?.Id ?? subscriberId, lease, ct))
        {
            case ClaimResult.Claimed claimed:
                claim = claimed.Claim;
                break;
            case ClaimResult.HeldElsewhere:
                // Its holder may yet die without a word: the batch comes back once the lease has ended, and the
                // recipient is sent then unless the holder has recorded it.
                return RecipientOutcome.RetryLater;
            default:
                return RecipientOutcome.Done;
        }
        if (post is not { Status: PostStatus.Published } || subscriber is not { ReceivesNewsletter: true })
        {
            var why = post is not { Status: PostStatus.Published } ? "the post is no longer published"
                : subscriber is null ? "no such subscriber"
                : subscriber.MailBlocked is { } blocked ? $"mail is blocked: {blocked}"
                : $"the subscriber is {subscriber.Status.ToString().ToLowerInvariant()}";
            await jobs.MarkSkippedAsync(claim, why, CancellationToken.None);
            return RecipientOutcome.Done;
        }

        var unsubscribe = WelcomeEmail.UnsubscribeUrl(site.Value, subscriber.Id, links.UnsubscribeToken(subscriber.Id, subscriber.Generation));
        var message = NewsletterEmail.Create(named, from, post, images, new NewsletterRecipient(subscriber.Email, subscriber.Name, unsubscribe));
        try
        {
            await sender.SendAsync(message, claim.ClaimedAt + lease / 2, ct);
        }
        catch (MailSendException ex) when (ex.IsPermanent)
        {
            // The server refused this recipient: the address is at fault (a bounce), and no more mail goes there.
            await jobs.MarkFailedAsync(claim, ex.Message, CancellationToken.None);
            if (EmailAddress.TryParse(subscriber.Email, out var address, out _))
            {
                await subscribers.BlockMailAsync(address, $"bounced: {ex.Message}", CancellationToken.None);
            }
            logger.LogWarning("Newsletter {Slug} to {SubscriberId} refused for good; no more mail goes there: {Reason}", post.Slug, subscriber.Id, ex.Message);
            return RecipientOutcome.Done;
        }
        catch (MailSendException ex) when (ex.Failure == MailFailure.MessageRefused)
        {
            // The server refused the message itself (too large, its content): every recipient would fare the same and
            // none is at fault. The job stops with the reason; this recipient and the rest stay unsent for a retry.
            await jobs.ReleaseAsync(claim, CancellationToken.None);
            if (await jobs.FailAsync(jobId, ex.Message, CancellationToken.None))
            {
                logger.LogError("Newsletter {Slug}: the mail server refused the message itself; sending stopped until the author retries: {Reason}",
                    post.Slug, ex.Message);
            }
            return RecipientOutcome.JobFailed;
        }
        catch (MailSendException ex) when (ex.Failure == MailFailure.AccountSetup)
        {
            // Nobody gets mail until a person changes the account: the batch stops, and comes back when the queue
            // hands it out again (its visibility timeout) — slowly, not hammering the service.
            await jobs.ReleaseAsync(claim, CancellationToken.None);
            logger.LogError("{Marker}: the mail service refuses to send newsletter {Slug} for the account's setup; the batch stays queued. {Fix} {Reason}",
                MailAccountSetup.LogMarker, post.Slug, MailAccountSetup.Fix, ex.Message);
            return RecipientOutcome.ServerUnavailable;
        }
        catch (MailSendException ex)
        {
            await jobs.ReleaseAsync(claim, CancellationToken.None);
            logger.LogWarning("Newsletter {Slug} to {SubscriberId} not sent ({Failure}); the batch comes back for it: {Reason}",
                post.Slug, subscriber.Id, ex.Failure, ex.Message);
            return ex.Failure == MailFailure.Unavailable ? RecipientOutcome.ServerUnavailable : RecipientOutcome.RetryLater;
        }
        catch
        {
            await jobs.ReleaseAsync(claim, CancellationToken.None);
            throw;
        }
        // The server has it: record that whatever the caller's token says, or it would be sent again.
        if (!await jobs.MarkSentAsync(claim, CancellationToken.None))
        {
            logger.LogWarning("Newsletter {Slug} to {SubscriberId} was sent after its lease was taken over", post.Slug, subscriber.Id);
        }
        return RecipientOutcome.Done;
    }

    /// <summary>The author's copy, to the sender's own address (an SES identity, so it arrives even in SES's sandbox).</summary>
    private async Task<BatchOutcome> SendTestAsync(Post? post, IReadOnlyDictionary<string, PhotoImage> images, MyBlogOptions named, CancellationToken ct)
    {
        if (post is null)
        {
            return BatchOutcome.Done;
        }
        var message = NewsletterEmail.Create(named, from, post, images,
            new NewsletterRecipient(from.Address, from.Name, new Uri(site.Value.SiteUri, "admin/")));
        message.Subject = "[Test] " + message.Subject;
        try
        {
            await sender.SendAsync(message, time.GetUtcNow() + options.Value.Lease / 2, ct);
            return BatchOutcome.Done;
        }
        catch (MailSendException ex) when (!ex.IsPermanent)
        {
            return BatchOutcome.RetryLater;
        }
    }
}
