using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyBlog.Api.Posts;
using MyBlog.Core.Posts;

namespace MyBlog.Tests.Unit;

/// <summary>The one-time schedule's requests, held to EventBridge Scheduler's API reference (CreateSchedule, UpdateSchedule, DeleteSchedule).</summary>
public sealed class PublishSchedulerTests
{
    private sealed class Scheduler(params HttpStatusCode[] answers) : HttpMessageHandler
    {
        private int _next;
        public List<(HttpMethod Method, Uri Uri, string Authorization, string? Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Requests.Add((request.Method, request.RequestUri!, request.Headers.GetValues("Authorization").Single(),
                request.Content is null ? null : await request.Content.ReadAsStringAsync(ct)));
            return new HttpResponseMessage(answers[Math.Min(_next++, answers.Length - 1)]) { Content = new StringContent("{}") };
        }
    }

    private static PublishScheduler Create(Scheduler handler, string? targetArn = "arn:aws:lambda:eu-west-1:123456789012:function:MyBlog-PublishDue") =>
        new(new HttpClient(handler), Options.Create(new SchedulingOptions
        {
            TargetArn = targetArn,
            RoleArn = "arn:aws:iam::123456789012:role/MyBlog-PublishDueScheduleRole",
            NamePrefix = "MyBlog",
            DeadLetterArn = "arn:aws:sqs:eu-west-1:123456789012:MyBlog-ScheduleDeadLetters",
        }), new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Aws:Region"] = "eu-west-1" }).Build(),
            NullLogger<PublishScheduler>.Instance)
        { Credentials = () => new ImmutableCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session") };

    [Fact]
    public async Task A_new_schedule_is_created_at_the_posts_time_in_UTC_and_deleted_after_it_runs()
    {
        var handler = new Scheduler(HttpStatusCode.NotFound, HttpStatusCode.OK);
        await Create(handler).ScheduleAsync("안녕하세요", new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(9)), default);

        Assert.Equal([HttpMethod.Put, HttpMethod.Post], handler.Requests.Select(r => r.Method));
        var name = PublishScheduler.ScheduleName("MyBlog", "안녕하세요");
        Assert.Matches("^MyBlog-publish-[0-9a-f]{32}$", name);
        Assert.All(handler.Requests, r => Assert.Equal($"https://scheduler.eu-west-1.amazonaws.com/schedules/{name}", r.Uri.ToString()));
        Assert.All(handler.Requests, r => Assert.Contains("/eu-west-1/scheduler/aws4_request", r.Authorization));

        using var body = JsonDocument.Parse(handler.Requests[1].Body!);
        var root = body.RootElement;
        Assert.Equal("at(2026-12-01T00:00:00)", root.GetProperty("ScheduleExpression").GetString());
        Assert.Equal("UTC", root.GetProperty("ScheduleExpressionTimezone").GetString());
        Assert.Equal("OFF", root.GetProperty("FlexibleTimeWindow").GetProperty("Mode").GetString());
        Assert.Equal("DELETE", root.GetProperty("ActionAfterCompletion").GetString());
        var target = root.GetProperty("Target");
        Assert.Equal("arn:aws:lambda:eu-west-1:123456789012:function:MyBlog-PublishDue", target.GetProperty("Arn").GetString());
        Assert.Equal("arn:aws:iam::123456789012:role/MyBlog-PublishDueScheduleRole", target.GetProperty("RoleArn").GetString());
        using var input = JsonDocument.Parse(target.GetProperty("Input").GetString()!);
        Assert.Equal("안녕하세요", input.RootElement.GetProperty("slug").GetString());
        Assert.InRange(target.GetProperty("RetryPolicy").GetProperty("MaximumEventAgeInSeconds").GetInt32(), 60, 86400);
        Assert.InRange(target.GetProperty("RetryPolicy").GetProperty("MaximumRetryAttempts").GetInt32(), 0, 185);
        // What Scheduler could not deliver in those attempts is kept where an alarm sees it.
        Assert.Equal("arn:aws:sqs:eu-west-1:123456789012:MyBlog-ScheduleDeadLetters", target.GetProperty("DeadLetterConfig").GetProperty("Arn").GetString());
    }

    [Fact]
    public async Task Scheduling_again_moves_the_one_schedule_a_post_has()
    {
        var handler = new Scheduler(HttpStatusCode.OK);
        await Create(handler).ScheduleAsync("hello", DateTimeOffset.UtcNow.AddDays(1), default);
        Assert.Equal([HttpMethod.Put], handler.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task Cancelling_a_schedule_that_already_ran_is_fine_and_a_refusal_is_an_error()
    {
        var gone = new Scheduler(HttpStatusCode.NotFound);
        await Create(gone).CancelAsync("hello", default);
        Assert.Equal(HttpMethod.Delete, gone.Requests.Single().Method);

        var refused = new Scheduler(HttpStatusCode.Forbidden);
        await Assert.ThrowsAsync<HttpRequestException>(() => Create(refused).CancelAsync("hello", default));
    }

    [Fact]
    public async Task Without_a_target_nothing_is_called_and_the_recurring_run_publishes()
    {
        var handler = new Scheduler(HttpStatusCode.OK);
        await Create(handler, targetArn: null).ScheduleAsync("hello", DateTimeOffset.UtcNow.AddDays(1), default);
        Assert.Empty(handler.Requests);
    }

    [Theory]
    [InlineData("2026-12-01T09:00:00+09:00", true)]
    [InlineData("2026-12-01T00:00:00Z", true)]
    [InlineData("2026-12-01T00:00:00.250-05:30", true)]
    [InlineData("2026-12-01T09:00:00", false)]
    [InlineData("2026-12-01", false)]
    [InlineData("next tuesday Z", false)]
    public void A_time_must_say_its_offset(string text, bool valid) =>
        Assert.Equal(valid, PublishRequest.TryParseAt(text, out _));

    [Fact]
    public void Schedules_keep_whole_seconds_rounded_up()
    {
        var at = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(at, PublishSchedule.Normalize(at));
        Assert.Equal(at.AddSeconds(1), PublishSchedule.Normalize(at.AddMilliseconds(1)));
    }
}
