namespace MyBlog.Aws.Functions;

/// <summary>
/// Words a function writes to its log that the stack's metric filters count: the function says what happened once,
/// in a line a person reads, and the alarm is made from the same words.
/// </summary>
public static class LogMarkers
{
    /// <summary>A mail function met a refusal of the account's setup (SES's sandbox, an unverified sender, paused sending).</summary>
    public const string MailAccountSetup = "Mail account setup";
}
