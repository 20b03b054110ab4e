using System.Diagnostics;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MyBlog.Api.Hosting;
using MyBlog.Api.Staff;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Posts;

namespace MyBlog.Api.Newsletter;

/// <summary>Where the newsletter queue is (SQS on AWS, LocalAws locally). Bound from "Newsletter".</summary>
public sealed class NewsletterQueueOptions
{
    public const string Section = "Newsletter";

    public string? QueueUrl { get; set; }
}

/// <summary>A send job as the editor shows it; <paramref name="Failure"/>: why the mail server refused the message, when it did.</summary>
public sealed record NewsletterDto(string Slug, string Status, int Recipients, int Queued, int Sent, int Failed, int Skipped, DateTimeOffset CreatedAt,
    string? Failure)
{
    public static NewsletterDto From(NewsletterProgress job) =>
        new(job.Slug, job.Status, job.Recipients, job.Queued, job.Sent, job.Failed, job.Skipped, job.CreatedAt, job.Failure);
}

public sealed record NewsletterTestQueued(string Message);

/// <summary>
/// A post's newsletter: its send job's progress (created by the post's first publication), and a test copy to the
/// author's own address before publishing.
/// </summary>
public static class AdminNewsletterApi
{
    public static IEndpointRouteBuilder MapAdminNewsletterApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("/api/admin/posts/{slug}/newsletter");
        admin.MapGet("/", GetAsync).WithName("GetNewsletter").WithSummary("The post's email to subscribers: planning, sending or sent, with counts.");
        admin.MapPost("/test", SendTestAsync).WithName("SendNewsletterTest").WithSummary("Email the post to the author's own address (the sender).");
        admin.MapPost("/retry", RetryAsync).WithName("RetryNewsletter")
            .WithSummary("Send a failed email again (after changing the post): planned anew; those already sent are not mailed again.");
        return app;
    }

    public static async Task<Results<Ok<NewsletterDto>, ProblemHttpResult>> GetAsync(string slug, PostStore posts, NewsletterStore jobs, CancellationToken ct) =>
        await posts.GetAsync(slug, ct) is { } post && await jobs.GetProgressAsync(post.NewsletterJob, ct) is { } job
            ? TypedResults.Ok(NewsletterDto.From(job))
            : NoNewsletter(slug);

    public static async Task<Results<Accepted<NewsletterDto>, ProblemHttpResult>> RetryAsync(string slug, PostStore posts, NewsletterStore jobs, CancellationToken ct)
    {
        if (await posts.GetAsync(slug, ct) is not { } post || await jobs.GetProgressAsync(post.NewsletterJob, ct) is null)
        {
            return NoNewsletter(slug);
        }
        if (!await jobs.RetryAsync(post.NewsletterJob, ct))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Nothing to retry",
                detail: $"The email of '{slug}' has not failed: it is being sent, or was.");
        }
        return TypedResults.Accepted($"/api/admin/posts/{Uri.EscapeDataString(slug)}/newsletter",
            NewsletterDto.From((await jobs.GetProgressAsync(post.NewsletterJob, ct))!));
    }

    private static ProblemHttpResult NoNewsletter(string slug) =>
        TypedResults.Problem(statusCode: 404, title: "No newsletter", detail: $"'{slug}' has not been emailed: it is unpublished, was published without email, or does not exist.");

    public static async Task<Results<Accepted<NewsletterTestQueued>, ProblemHttpResult>> SendTestAsync(
        string slug, PostStore posts, IAmazonSQS sqs, IOptions<NewsletterQueueOptions> options, CancellationToken ct)
    {
        if (await posts.GetAsync(slug, ct) is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Post not found", detail: $"There is no post '{slug}'.");
        }
        if (string.IsNullOrEmpty(options.Value.QueueUrl))
        {
            return TypedResults.Problem(statusCode: 503, title: "No newsletter queue", detail: "This API has no newsletter queue configured (Newsletter:QueueUrl).");
        }
        await sqs.SendMessageAsync(new SendMessageRequest(options.Value.QueueUrl, new NewsletterBatch(slug, null, Test: true, TraceParent: Activity.Current?.Id).ToJson()), ct);
        return TypedResults.Accepted((string?)null, new NewsletterTestQueued("A test copy is on its way to the sender's address."));
    }
}
