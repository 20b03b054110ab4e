using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MyBlog.Workers.Mail;

/// <summary>
/// Sends through SES's API (v2 <c>SendEmail</c> with the finished MIME message as raw content), signed with SigV4 by
/// the function's own role: no SMTP password exists to create, rotate or leak. Locally LocalAws answers the same call
/// and hands the message to the mail sink, so the same code runs in both places. Every failure is classified
/// (<see cref="MailFailure"/>): SES away or throttling, a failure that may pass, the account's setup, a refusal for good.
/// </summary>
public sealed class SesMailSender(HttpClient http, IOptions<MailOptions> options, MailPace pace, TimeProvider time, ILogger<SesMailSender> logger)
    : IMailSender
{
    private static readonly ActivitySource Source = new("MyBlog.Mail");

    public const string Path = "/v2/email/outbound-emails";

    /// <summary>Overridable for tests; by default the SDK's credential chain (the function's role on AWS).</summary>
    public Func<ImmutableCredentials> Credentials { get; init; } = () => DefaultAWSCredentialsIdentityResolver.GetCredentials().GetCredentials();

    public async Task SendAsync(MimeMessage message, DateTimeOffset startBy, CancellationToken ct)
    {
        var mail = options.Value;
        var endpoint = mail.Endpoint();
        using var span = Source.StartActivity("ses send", ActivityKind.Client);
        span?.SetTag("rpc.system", "aws-api");
        span?.SetTag("rpc.service", "SESv2");
        span?.SetTag("rpc.method", "SendEmail");
        span?.SetTag("server.address", endpoint.Host);
        span?.SetTag("messaging.message.id", message.MessageId);

        await pace.WaitTurnAsync(ct);
        if (time.GetUtcNow() > startBy)
        {
            // Too late to start: the claim may be about to pass to another sender, who would send it too.
            const string late = "Not sent: the claim would expire before the message could be handed over.";
            span?.SetStatus(ActivityStatusCode.Error, late);
            throw new MailSendException(MailFailure.Transient, late);
        }

        using var request = CreateRequest(endpoint, mail, message, Credentials(), DateTime.UtcNow);
        using var answerBy = CancellationTokenSource.CreateLinkedTokenSource(ct);
        answerBy.CancelAfter(mail.Timeout < mail.SendTimeout ? mail.Timeout : mail.SendTimeout);
        HttpStatusCode status;
        string? errorType;
        string body;
        try
        {
            using var response = await http.SendAsync(request, answerBy.Token);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(answerBy.Token);
            errorType = ErrorType(response, body);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or IOException)
        {
            // Unreachable, or no answer in time: SES is away, and the next message would fare the same. The message
            // may have been accepted before the answer was lost; it stays owed, and at-least-once is the promise.
            var described = ex is OperationCanceledException
                ? $"SES did not answer within {mail.Timeout.TotalSeconds:0.#} s"
                : MailText.WithoutAddresses($"SES could not be reached: {Reason(ex)}");
            span?.SetStatus(ActivityStatusCode.Error, described);
            span?.SetTag("myblog.mail.failure", nameof(MailFailure.Unavailable));
            throw new MailSendException(MailFailure.Unavailable, described);
        }

        if ((int)status is >= 200 and < 300)
        {
            if (MessageIdIn(body) is { } id)
            {
                span?.SetTag("aws.ses.message_id", id);
            }
            return;
        }
        var failure = Classify(status, errorType, MessageIn(body));
        // SES's own words may name the recipient: the addresses are taken out before anything keeps them.
        var describedFailure = MailText.WithoutAddresses($"SES {(int)status} {errorType ?? "error"}: {MessageIn(body)}");
        span?.SetStatus(ActivityStatusCode.Error, describedFailure);
        span?.SetTag("myblog.mail.failure", failure.ToString());
        logger.LogDebug("SES refused message {MessageId}: {Failure}", message.MessageId, failure);
        throw new MailSendException(failure, describedFailure);
    }

    /// <summary>
    /// The signed SendEmail request (public so its shape can be tested without an AWS account): the raw message, its
    /// envelope recipients, the sender, and the configuration set whose event destination reports bounces and
    /// complaints — named on every call, so an identity made outside the stack works the same.
    /// </summary>
    public static HttpRequestMessage CreateRequest(Uri endpoint, MailOptions mail, MimeMessage message, ImmutableCredentials credentials, DateTime now)
    {
        using var raw = new MemoryStream();
        message.WriteTo(FormatOptions.Default, raw);
        var recipients = message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes).Select(m => m.Address).ToList();
        var content = new JsonObject
        {
            ["FromEmailAddress"] = mail.FromAddress,
            ["Destination"] = new JsonObject { ["ToAddresses"] = new JsonArray([.. recipients.Select(r => JsonValue.Create(r))]) },
            ["Content"] = new JsonObject { ["Raw"] = new JsonObject { ["Data"] = Convert.ToBase64String(raw.GetBuffer(), 0, (int)raw.Length) } },
        };
        if (!string.IsNullOrEmpty(mail.ConfigurationSet))
        {
            content["ConfigurationSetName"] = mail.ConfigurationSet;
        }
        var payload = Encoding.UTF8.GetBytes(content.ToJsonString());
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, Path)) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        SigV4.Sign(request, payload, "ses", mail.SigningRegion(), credentials, now);
        return request;
    }

    /// <summary>
    /// What SES's answer means for what happens next. By type first, then — for <c>MessageRejected</c>, which SES
    /// uses for the sandbox as much as for a message's content — by its words:
    /// <list type="bullet">
    /// <item>throttling (429, <c>TooManyRequestsException</c>, a daily quota) and 502–504: SES unavailable — the batch stops, everything is retried;</item>
    /// <item>the account's setup (the sandbox's "not verified", a paused or suspended account, an unverified MAIL FROM
    /// domain, a missing configuration set or identity, credentials or permissions refused): never the reader's fault;</item>
    /// <item>an address SES will not send to (<c>Illegal address</c>, a blacklisted address): this recipient, for good;</item>
    /// <item>any other refusal of the message (its size, its content): the message's fault, nobody's address is blocked;</item>
    /// <item>500 and anything else: may pass, this message is retried.</item>
    /// </list>
    /// </summary>
    public static MailFailure Classify(HttpStatusCode status, string? errorType, string message) => (status, errorType) switch
    {
        (HttpStatusCode.TooManyRequests, _) or (_, "TooManyRequestsException" or "ThrottlingException" or "Throttling") => MailFailure.Unavailable,
        (HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout, _) => MailFailure.Unavailable,
        (_, "LimitExceededException") when AboutTheSendingRate(message) => MailFailure.Unavailable,
        (_, "AccountSuspendedException" or "SendingPausedException" or "MailFromDomainNotVerifiedException" or "NotFoundException") => MailFailure.AccountSetup,
        (HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, _) => MailFailure.AccountSetup,
        (_, "MessageRejected" or "BadRequestException") when AboutTheAccountSetup(message) => MailFailure.AccountSetup,
        (_, "MessageRejected" or "BadRequestException") when AboutTheSendingRate(message) => MailFailure.Unavailable,
        (_, "MessageRejected" or "BadRequestException") when AboutTheAddress(message) => MailFailure.Permanent,
        (_, "MessageRejected" or "BadRequestException") => MailFailure.MessageRefused,
        _ => MailFailure.Transient,
    };

    private static bool AboutTheAccountSetup(string text) =>
        new[] { "not verified", "paused", "suspend", "credential", "not authorized" }.Any(word => text.Contains(word, StringComparison.OrdinalIgnoreCase));

    private static bool AboutTheSendingRate(string text) =>
        new[] { "quota", "throttl", "sending rate" }.Any(word => text.Contains(word, StringComparison.OrdinalIgnoreCase));

    private static bool AboutTheAddress(string text) =>
        new[] { "illegal address", "address blacklisted", "recipient refused" }.Any(word => text.Contains(word, StringComparison.OrdinalIgnoreCase));

    /// <summary>The error's type: the x-amzn-ErrorType header ("MessageRejected:http://…"), else the body's __type or code.</summary>
    private static string? ErrorType(HttpResponseMessage response, string body)
    {
        var type = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        type ??= Field(body, "__type") ?? Field(body, "code") ?? Field(body, "Code");
        return type?.Split(':')[0].Split('#')[^1];
    }

    private static string MessageIn(string body) => Field(body, "message") ?? Field(body, "Message") ?? body;

    private static string? MessageIdIn(string body) => Field(body, "MessageId");

    private static string? Field(string body, string name)
    {
        try
        {
            return JsonNode.Parse(body) is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Reason(Exception ex) => ex.InnerException is SocketException socket
        ? socket.SocketErrorCode.ToString()
        : ex.Message;
}
