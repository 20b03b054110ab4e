using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MyBlog.Aws.Functions;
using MyBlog.Core.Posts;
using MyBlog.Workers.Hosting;

namespace MyBlog.Workers.Publishing;

/// <summary>
/// A post's one-time schedule at its time, or the recurring catch-all run → every
/// scheduled post whose time has come is published, exactly as the author's publish does (the stream then renders
/// the site and, on a first publication, starts the newsletter). The one-time schedule names its post, which is
/// read consistently, so it never waits on the index; the index then gives whatever else is due.
/// </summary>
public sealed class PublishDueHandler : IWorkerHandler
{
    public FunctionDeclaration Function => AwsFunctions.PublishDue;

    public void AddServices(IHostApplicationBuilder builder) => builder.Services.TryAddSingleton<PostStore>();

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("Scheduled: publishes every scheduled post whose time has come.");

    public static async Task<PublishDueResult> HandleAsync(
        HttpRequest request, PostStore posts, TimeProvider time, ILogger<PostStore> logger, IHostApplicationLifetime lifetime)
    {
        var ct = lifetime.ApplicationStopping;
        var now = time.GetUtcNow();
        var due = new List<(string Slug, string At)>();
        if (await NamedSlugAsync(request) is { } slug && await posts.GetAsync(slug, ct) is { ScheduledAt: { } at } && at <= now)
        {
            due.Add((slug, PublishSchedule.Stamp(at)));
        }
        due.AddRange((await posts.DueAsync(now, ct)).Where(d => !due.Contains(d)));

        var published = new List<string>();
        foreach (var (dueSlug, dueAt) in due)
        {
            if (await posts.PublishDueAsync(dueSlug, dueAt, Activity.Current?.Id, ct))
            {
                logger.LogInformation("Scheduled post {Slug} published (due {At})", dueSlug, dueAt);
                published.Add(dueSlug);
            }
        }
        return new PublishDueResult(due.Count, published);
    }

    /// <summary>The post a one-time schedule's input names; the recurring run's input names none.</summary>
    private static async Task<string?> NamedSlugAsync(HttpRequest request)
    {
        try
        {
            using var input = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return input.RootElement.ValueKind == JsonValueKind.Object && input.RootElement.TryGetProperty("slug", out var slug)
                && slug.ValueKind == JsonValueKind.String && Slug.IsValid(slug.GetString())
                ? slug.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>What a run found due and what it published (the rest was published, moved or cancelled meanwhile).</summary>
public sealed record PublishDueResult(int Due, IReadOnlyList<string> Published);
