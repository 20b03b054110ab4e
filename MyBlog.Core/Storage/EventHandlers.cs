namespace MyBlog.Core;

/// <summary>
/// The Workers package's event handlers by name. On AWS each worker function runs one, named by
/// <see cref="ConfigurationKey"/> (the stack sets it), and composes only what that handler uses; locally one process
/// serves them all.
/// </summary>
public static class EventHandlers
{
    public const string ConfigurationKey = "Workers:Handler";

    public static readonly string WelcomeMail = StreamSubscriptions.WelcomeMail.Name;
    public static readonly string WelcomeSweep = Schedules.WelcomeSweep.Name;
    public static readonly string Publish = StreamSubscriptions.Publish.Name;
    public static readonly string SiteDeployment = Deployments.SiteHandler;
    public static readonly string Thumbnails = QueueSubscriptions.Thumbnails.Name;
    public static readonly string NewsletterPlan = StreamSubscriptions.NewsletterPlan.Name;
    public static readonly string NewsletterSend = QueueSubscriptions.Newsletter.Name;
    public static readonly string MailFeedback = Notifications.MailFeedbackHandler;
    public static readonly string PublishDue = Schedules.PublishDue.Name;
    public static readonly string Imports = QueueSubscriptions.Imports.Name;

    public static IReadOnlyList<string> All { get; } =
        [WelcomeMail, WelcomeSweep, Publish, SiteDeployment, Thumbnails, NewsletterPlan, NewsletterSend, MailFeedback, PublishDue, Imports];
}
