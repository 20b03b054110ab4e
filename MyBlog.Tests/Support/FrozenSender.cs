using MimeKit;
using MyBlog.Workers.Mail;

namespace MyBlog.Tests.Support;

/// <summary>
/// A Lambda that times out mid-send is frozen: no catch, no finally, its lease never given back. This sender stops
/// at the send until the test thaws it, then hands the message on to <paramref name="thawsInto"/>.
/// </summary>
public sealed class FrozenSender(IMailSender thawsInto) : IMailSender
{
    /// <summary>Set once a send has reached it (the claim before it was taken).</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Thaw { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task SendAsync(MimeMessage message, DateTimeOffset startBy, CancellationToken ct)
    {
        Entered.TrySetResult();
        await Thaw.Task;
        await thawsInto.SendAsync(message, startBy, ct);
    }
}
