using System.Text.Json;
using System.Text.Json.Nodes;
using MimeKit;

namespace MyBlog.LocalAws.Mail;

/// <summary>
/// SES v2's <c>SendEmail</c> (<c>POST /v2/email/outbound-emails</c>) with raw content, as the mail functions call it:
/// the message is handed to the local mail sink over SMTP (<see cref="SmtpRelay"/>), and what the sink answers comes
/// back in SES's own error shapes (<c>x-amzn-ErrorType</c> and a JSON <c>message</c>), so the sender's
/// classification is the one that runs on AWS. The caller must sign for the "ses" service, as AWS insists.
/// </summary>
public static class SesApi
{
    /// <summary>SES's limits on one SendEmail call: 40 MB of message, 50 recipients.</summary>
    public const int MaxMessageBytes = 40 * 1024 * 1024;

    public const int MaxRecipients = 50;

    public static IEndpointRouteBuilder MapSesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/email/outbound-emails", SendEmailAsync)
            .WithName("SendEmail").WithSummary("SES v2 SendEmail (raw content), relayed to the mail sink.");
        return app;
    }

    private static async Task<IResult> SendEmailAsync(HttpRequest request, SmtpRelay relay, CancellationToken ct)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal) || !authorization.Contains("/ses/aws4_request", StringComparison.Ordinal))
        {
            return Error(403, "UnrecognizedClientException", "The request must be signed with SigV4 for the service 'ses'.");
        }
        JsonObject body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonObject>(request.Body, cancellationToken: ct)
                ?? throw new JsonException("empty");
        }
        catch (JsonException)
        {
            return Error(400, "BadRequestException", "The request body is not a JSON object.");
        }
        if (body["Content"]?["Raw"]?["Data"] is not JsonValue data || !data.TryGetValue<string>(out var base64))
        {
            return Error(400, "BadRequestException", "Content.Raw.Data is required (this stand-in sends raw content only).");
        }
        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return Error(400, "BadRequestException", "Content.Raw.Data is not base64.");
        }
        if (raw.Length > MaxMessageBytes)
        {
            return Error(400, "MessageRejected", "Message length is more than 40 megabytes.");
        }
        MimeMessage message;
        try
        {
            message = await MimeMessage.LoadAsync(new MemoryStream(raw), ct);
        }
        catch (FormatException)
        {
            return Error(400, "MessageRejected", "The raw message could not be parsed.");
        }

        var destination = body["Destination"] as JsonObject;
        var recipients = new[] { "ToAddresses", "CcAddresses", "BccAddresses" }
            .SelectMany(field => destination?[field] as JsonArray ?? [])
            .Select(node => node?.GetValue<string>())
            .OfType<string>()
            .ToList();
        if (recipients.Count == 0)
        {
            // Without a destination, SES sends to the message's own To, Cc and Bcc.
            recipients = [.. message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes).Select(m => m.Address)];
        }
        if (recipients.Count is 0 or > MaxRecipients)
        {
            return Error(400, "BadRequestException", $"A message goes to 1 to {MaxRecipients} recipients, not {recipients.Count}.");
        }
        var from = body["FromEmailAddress"]?.GetValue<string>() ?? message.From.Mailboxes.FirstOrDefault()?.Address;
        if (from is null || !MailboxAddress.TryParse(from, out var sender))
        {
            return Error(400, "BadRequestException", "FromEmailAddress is required when the message has no From.");
        }

        var outcome = await relay.RelayAsync(message, sender, recipients, ct);
        return outcome.Status == 200
            ? Results.Json(new JsonObject { ["MessageId"] = outcome.MessageId })
            : Error(outcome.Status, outcome.ErrorType!, outcome.Message!);
    }

    private static IResult Error(int status, string type, string message) => new SesError(status, type, message);

    /// <summary>An error as SES's REST API writes it.</summary>
    private sealed class SesError(int status, string type, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            context.Response.Headers["x-amzn-ErrorType"] = type;
            return context.Response.WriteAsJsonAsync(new JsonObject { ["message"] = message });
        }
    }
}
