using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using MyBlog.Api.Hosting;
using MyBlog.Core.Subscribers;

namespace MyBlog.Api.Subscribers;

/// <summary>
/// Subscribing, confirming and unsubscribing. Subscribe answers the same 202 for a new and a known address, so
/// the API cannot be used to learn who subscribes; the welcome email follows asynchronously through the stream.
/// </summary>
public static class SubscribersApi
{
    public const int SubscribesPerMinute = 5;
    public const int MaxBodyBytes = 4 * 1024;

    /// <summary>Where a plain (no JavaScript) form post lands.</summary>
    public const string CheckInboxPage = "/subscribed/";

    public static IEndpointRouteBuilder MapSubscribersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/subscribers").WithTags("Subscribers");
        // Subscribe and resend send mail: one quota per reader for both.
        var mailing = new ReaderQuota("subscribe", SubscribesPerMinute, TimeSpan.FromMinutes(1), app.ServiceProvider.GetRequiredService<TimeProvider>());

        api.MapPost("/", SubscribeAsync)
            .WithName("Subscribe")
            .WithSummary("Subscribe an email address; a welcome email with a confirm link follows.")
            .Accepts<SubscribeRequest>("application/json", "application/x-www-form-urlencoded")
            .AddEndpointFilter(mailing)
            .DisableAntiforgery();

        api.MapGet("/challenge", IssueChallenge)
            .WithName("SubscribeChallenge")
            .WithSummary("A challenge for the subscribe form to solve: a nonce such that SHA-256(challenge \":\" email \":\" nonce) starts with `difficulty` zero bits. Signed, so nothing is stored.");

        api.MapGet("/pages.css", () => TypedResults.Text(SubscriberPages.Stylesheet, "text/css; charset=utf-8"))
            .WithName("SubscriberPagesStylesheet")
            .WithSummary("The stylesheet of the confirm and unsubscribe pages.")
            .AddEndpointFilter(async (context, next) =>
            {
                context.HttpContext.Response.Headers.CacheControl = "public, max-age=86400";
                return await next(context);
            });

        api.MapGet("/{id}/confirm", ConfirmPageAsync)
            .WithName("ConfirmPage")
            .WithSummary("The confirm link from the welcome email: a page with a Confirm button. Opening it changes nothing, so link scanners cannot confirm anyone.");

        api.MapPost("/{id}/confirm", ConfirmAsync)
            .WithName("ConfirmSubscription")
            .WithSummary("The Confirm button on the confirm page.")
            .DisableAntiforgery();

        api.MapPost("/{id}/resend", ResendAsync)
            .WithName("ResendWelcome")
            .WithSummary("From an expired confirm link: sends a fresh welcome email (at most one per address every 10 minutes).")
            .AddEndpointFilter(mailing)
            .DisableAntiforgery();

        api.MapGet("/{id}/unsubscribe", UnsubscribePage)
            .WithName("UnsubscribePage")
            .WithSummary("The unsubscribe link opened in a browser: asks before acting, so link scanners cannot unsubscribe.");

        api.MapPost("/{id}/unsubscribe", UnsubscribeAsync)
            .WithName("Unsubscribe")
            .WithSummary("One-click unsubscribe (RFC 8058) from the mail client, or the button on the unsubscribe page.")
            .DisableAntiforgery();

        api.MapPost("/{id}/resubscribe", ResubscribeAsync)
            .WithName("Resubscribe")
            .WithSummary("From an unsubscribe link we sent: subscribes the address again (confirmed: the link proves the inbox). The form never mails an address that unsubscribed.")
            .DisableAntiforgery();

        return app;
    }

    public static Ok<ChallengeTicket> IssueChallenge(HttpResponse response, SubscribeChallenge challenges)
    {
        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(challenges.Issue());
    }

    public static async Task<Results<Accepted<SubscribeAccepted>, RedirectHttpResult, ContentHttpResult, ValidationProblem, ProblemHttpResult>>
        SubscribeAsync(HttpRequest request, SubscriberStore subscribers, SubscribeChallenge challenges, CancellationToken ct)
    {
        var isForm = request.HasFormContentType && request.ContentType!.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
        if (!request.HasJsonContentType() && !isForm)
        {
            return RequestBody.UnsupportedMediaType("""{"email": "you@example.com", "name": "Ada"}""");
        }

        var body = await RequestBody.ReadLimitedAsync(request, MaxBodyBytes, ct);
        if (body is null)
        {
            return RequestBody.TooLarge(MaxBodyBytes);
        }

        SubscribeRequest? input;
        if (isForm)
        {
            var form = QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(body));
            string? Field(string name) => form.TryGetValue(name, out var value) ? value.ToString() : null;
            input = new SubscribeRequest(Field("email"), Field("name"), Field("challenge"), Field("nonce"));
        }
        else
        {
            try
            {
                input = JsonSerializer.Deserialize(body, ApiJson.Default.SubscribeRequest);
            }
            catch (JsonException ex)
            {
                return RequestBody.Malformed(ex.Message);
            }
        }

        input ??= new SubscribeRequest(null, null);
        var valid = input.TryValidate(out var subscriber, out var errors);
        if (valid && challenges.Check(input.Challenge, input.Nonce, input.Email!) is { } unproven)
        {
            errors["challenge"] = [unproven];
            valid = false;
        }
        if (!valid)
        {
            return isForm
                ? TypedResults.Content(SubscriberPages.FormError(errors), "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest)
                : TypedResults.ValidationProblem(errors, title: "The subscription is not valid");
        }

        await subscribers.AddAsync(subscriber, Activity.Current?.Id, ct);

        return isForm
            ? TypedResults.Redirect(CheckInboxPage)
            : TypedResults.Accepted((string?)null, new SubscribeAccepted("Thanks! Check your inbox for an email to confirm your subscription."));
    }

    public static async Task<ContentHttpResult> ConfirmPageAsync(string id, string? token, SubscriberStore subscribers, CancellationToken ct) =>
        SubscriberPages.Confirm(id, token, await subscribers.CheckConfirmAsync(id, token, ct));

    public static async Task<ContentHttpResult> ConfirmAsync(string id, string? token, SubscriberStore subscribers, CancellationToken ct) =>
        SubscriberPages.Confirm(id, token, await subscribers.ConfirmAsync(id, token, ct));

    public static async Task<ContentHttpResult> ResendAsync(string id, string? token, SubscriberStore subscribers, CancellationToken ct) =>
        SubscriberPages.Resent(await subscribers.ResendWelcomeAsync(id, token, ct));

    public static ContentHttpResult UnsubscribePage(string id, string? token) => SubscriberPages.AskToUnsubscribe(id, token);

    /// <summary>The welcome email's link carries a stored token; a newsletter's carries a signed one (<see cref="SubscriberLinks"/>).</summary>
    public static async Task<ContentHttpResult> UnsubscribeAsync(
        string id, string? token, SubscriberStore subscribers, SubscriberLinks links, CancellationToken ct)
    {
        var outcome = links.VerifyUnsubscribeToken(id, token) is { } generation
            ? await subscribers.UnsubscribeSignedAsync(id, generation, ct)
            : await subscribers.UnsubscribeAsync(id, token, ct);
        return SubscriberPages.Unsubscribed(id, token, outcome);
    }

    public static async Task<ContentHttpResult> ResubscribeAsync(
        string id, string? token, SubscriberStore subscribers, SubscriberLinks links, CancellationToken ct) =>
        SubscriberPages.Resubscribed(await subscribers.ResubscribeAsync(id, token, links.VerifyUnsubscribeToken(id, token), ct));
}

public sealed record SubscribeAccepted(string Message);
