using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Options;
using MyBlog.Aws.Functions;
using MyBlog.Core.Posts;

namespace MyBlog.Api.Posts;

public sealed class SchedulingOptions
{
    public const string Section = "Scheduling";

    /// <summary>The function a post's schedule invokes (the Workers' publish-due handler).</summary>
    public string? TargetArn { get; set; }

    /// <summary>The role EventBridge Scheduler takes to invoke it.</summary>
    public string? RoleArn { get; set; }

    /// <summary>
    /// Where EventBridge Scheduler puts an invocation it could not make (the function refused, throttled past the
    /// retries, or the role lost its rights), so a post that did not publish at its time is seen (the queue is alarmed).
    /// </summary>
    public string? DeadLetterArn { get; set; }

    /// <summary>Schedule names start with this (one account may hold several blogs' schedules).</summary>
    public string NamePrefix { get; set; } = "myblog";

    /// <summary>Locally, LocalAws; on AWS the regional endpoint.</summary>
    public string? ServiceUrl { get; set; }
}

/// <summary>
/// A post's one-time EventBridge Scheduler schedule (<c>at(…)</c>, UTC, no flexible window, deleted after it runs),
/// created or moved when the author schedules, deleted when they cancel. A REST call signed with the SDK's own
/// SigV4 signer (the Scheduler SDK package is not used: the API stays one small native binary). A schedule that
/// cannot be made is not the author's problem: the post's schedule item is written first, and the recurring
/// publish-due run publishes it within its minute.
/// </summary>
public sealed class PublishScheduler(HttpClient http, IOptions<SchedulingOptions> options, IConfiguration configuration, ILogger<PublishScheduler> logger)
{
    private const string Service = "scheduler";

    /// <summary>A schedule whose function fails is retried for up to an hour; the recurring run covers the rest.</summary>
    private const int MaximumRetryAttempts = 10;

    /// <summary>Overridable for tests; by default the SDK's credential chain (the function's role on AWS).</summary>
    public Func<ImmutableCredentials> Credentials { get; init; } = () => DefaultAWSCredentialsIdentityResolver.GetCredentials().GetCredentials();

    /// <summary>
    /// The one-time schedule's name for a post: one name per post, so scheduling again replaces it. Slugs may hold
    /// any letter (a Hangul slug), and schedule names only [0-9A-Za-z-_.], up to 64: a hash of the slug.
    /// </summary>
    public static string ScheduleName(string prefix, string slug) =>
        $"{prefix}-publish-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(slug)))[..32]}";

    /// <summary>What the one-time schedule delivers to the publish-due function: the post it is for (the run publishes everything due anyway).</summary>
    public static string InputFor(string slug) =>
        $$"""{"schedule":"{{AwsFunctions.PublishDue.Name}}","slug":"{{JsonEncodedText.Encode(slug)}}"}""";

    private string Region => configuration["Aws:Region"] ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";

    private Uri Endpoint => new(options.Value.ServiceUrl is { Length: > 0 } url ? url : $"https://scheduler.{Region}.amazonaws.com/");

    public bool IsConfigured => options.Value.TargetArn is { Length: > 0 } && options.Value.RoleArn is { Length: > 0 };

    /// <summary>Creates the post's schedule, or moves it (one name per post, so there is only ever one).</summary>
    public async Task ScheduleAsync(string slug, DateTimeOffset at, CancellationToken ct)
    {
        if (!IsConfigured)
        {
            logger.LogWarning("Scheduling:TargetArn/RoleArn are not set: {Slug} will be published by the recurring run", slug);
            return;
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(new ScheduleRequest(
            $"at({at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss})", "UTC", new FlexibleTimeWindow("OFF"),
            new ScheduleTarget(options.Value.TargetArn!, options.Value.RoleArn!, InputFor(slug),
                new RetryPolicy(MaximumRetryAttempts, 3600),
                options.Value.DeadLetterArn is { Length: > 0 } deadLetters ? new DeadLetterConfig(deadLetters) : null),
            "DELETE", $"MyBlog: publish {slug}"), SchedulerJson.Default.ScheduleRequest);
        var name = ScheduleName(options.Value.NamePrefix, slug);
        using var update = await SendAsync(HttpMethod.Put, name, body, ct);
        if (update.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(update, "UpdateSchedule", ct);
            return;
        }
        using var create = await SendAsync(HttpMethod.Post, name, body, ct);
        if (create.StatusCode == HttpStatusCode.Conflict)
        {
            // Created a moment ago by another request for the same post: move that one.
            using var again = await SendAsync(HttpMethod.Put, name, body, ct);
            await EnsureSuccessAsync(again, "UpdateSchedule", ct);
            return;
        }
        await EnsureSuccessAsync(create, "CreateSchedule", ct);
    }

    /// <summary>Deletes the post's schedule; one already gone (run, or never made) is fine.</summary>
    public async Task CancelAsync(string slug, CancellationToken ct)
    {
        if (!IsConfigured)
        {
            return;
        }
        using var response = await SendAsync(HttpMethod.Delete, ScheduleName(options.Value.NamePrefix, slug), null, ct);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(response, "DeleteSchedule", ct);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string name, byte[]? body, CancellationToken ct)
    {
        var payload = body ?? [];
        using var request = new HttpRequestMessage(method, new Uri(Endpoint, $"schedules/{name}"));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(payload);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        }
        SigV4.Sign(request, payload, Service, Region, Credentials(), DateTime.UtcNow);
        return await http.SendAsync(request, ct);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string operation, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"EventBridge Scheduler {operation} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
    }
}

public sealed record ScheduleRequest(
    [property: JsonPropertyName("ScheduleExpression")] string ScheduleExpression,
    [property: JsonPropertyName("ScheduleExpressionTimezone")] string ScheduleExpressionTimezone,
    [property: JsonPropertyName("FlexibleTimeWindow")] FlexibleTimeWindow FlexibleTimeWindow,
    [property: JsonPropertyName("Target")] ScheduleTarget Target,
    [property: JsonPropertyName("ActionAfterCompletion")] string ActionAfterCompletion,
    [property: JsonPropertyName("Description")] string Description);

public sealed record FlexibleTimeWindow([property: JsonPropertyName("Mode")] string Mode);

public sealed record ScheduleTarget(
    [property: JsonPropertyName("Arn")] string Arn,
    [property: JsonPropertyName("RoleArn")] string RoleArn,
    [property: JsonPropertyName("Input")] string Input,
    [property: JsonPropertyName("RetryPolicy")] RetryPolicy RetryPolicy,
    [property: JsonPropertyName("DeadLetterConfig"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DeadLetterConfig? DeadLetterConfig = null);

public sealed record DeadLetterConfig([property: JsonPropertyName("Arn")] string Arn);

public sealed record RetryPolicy(
    [property: JsonPropertyName("MaximumRetryAttempts")] int MaximumRetryAttempts,
    [property: JsonPropertyName("MaximumEventAgeInSeconds")] int MaximumEventAgeInSeconds);

[JsonSerializable(typeof(ScheduleRequest))]
internal sealed partial class SchedulerJson : JsonSerializerContext;
