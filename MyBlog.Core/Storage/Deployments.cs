namespace MyBlog.Core;

/// <summary>
/// The stack's deploy-time work done by a worker: CloudFormation sends a custom resource's request to a function of
/// its own, whose Lambda Web Adapter passes it to <see cref="SitePath"/> — its own path, not recognised by its shape
/// among stream events.
/// </summary>
public static class Deployments
{
    /// <summary>Each deploy of a new workers package rebuilds the site with the templates just deployed.</summary>
    public const string SiteHandler = "site-deployment";
    public const string SitePath = "/events/site-deployment";
}

/// <summary>
/// SES's bounce and complaint notifications, published to an SNS topic that invokes a function of its own, whose
/// Lambda Web Adapter passes them to <see cref="MailFeedbackPath"/>.
/// </summary>
public static class Notifications
{
    public const string MailFeedbackHandler = "mail-feedback";
    public const string MailFeedbackPath = "/events/mail-feedback";
}
