using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using MyBlog.Aws.Functions;
using MyBlog.Core.Storage;
using MyBlog.Infrastructure;
using MyBlog.LocalAws.Hosting;
using MyBlog.LocalAws.Queues;
using MyBlog.LocalAws.Scheduler;
using MyBlog.ServiceDefaults;
using MyBlog.Tests.Infrastructure;
using MyBlog.Workers.Hosting;

namespace MyBlog.Tests.Design;

/// <summary>
/// One table declares every function (<see cref="AwsFunctions"/>); these hold the Workers host, LocalAws and the stack
/// to it, so that a new function is its row and its handler, and forgetting either fails here.
/// </summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class FunctionWiringTests(SynthesizedStack stack)
{
    [Fact]
    public void Every_worker_function_has_one_handler_and_every_handler_is_a_row_of_the_table()
    {
        Assert.Equal(AwsFunctions.Workers.Select(f => f.Name).Order(), WorkerHandlers.All.Select(h => h.Function.Name).Order());
        Assert.All(WorkerHandlers.All, handler => Assert.Same(AwsFunctions.Named(handler.Function.Name), handler.Function));
        Assert.Equal(AwsFunctions.All.Count, AwsFunctions.All.Select(f => f.Name).Distinct().Count());
        Assert.Equal(AwsFunctions.All.Count, AwsFunctions.All.Select(f => f.Path).Distinct().Count());
    }

    public static TheoryData<string> WorkerFunctions() => [.. AwsFunctions.Workers.Select(f => f.Name)];

    /// <summary>
    /// A process serving one function (as each does on AWS) composes that handler's services and maps its path alone:
    /// building the endpoint binds every argument of the handler, so a service the handler needs and does not add fails here.
    /// </summary>
    [Theory]
    [MemberData(nameof(WorkerFunctions))]
    public void A_worker_process_for_one_function_maps_only_that_function_s_path(string name)
    {
        var function = AwsFunctions.Named(name)!;
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddServiceDefaults();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [AwsFunctions.HandlerKey] = name,
            ["Aws:Region"] = "us-east-1",
        });
        var handlers = builder.AddWorkerHandlers();
        using var app = builder.Build();
        app.MapWorkerHandlers(handlers);

        var endpoint = Assert.Single(((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>());
        Assert.Equal(function.Path, endpoint.RoutePattern.RawText);
        Assert.Equal(["POST"], endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods);
        Assert.Equal(function.ConstructId, endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.EndpointNameMetadata>()!.EndpointName);
    }

    [Fact]
    public void LocalAws_delivers_every_trigger_it_emulates_from_the_table()
    {
        Assert.Equal(AwsFunctions.Triggered<StreamTrigger>().Select(f => (f.Function.Name, f.Function.Path, f.Trigger.FilterPatterns.Count)),
            LocalAwsServices.StreamMappings().Select(m => (m.Name, m.Path, m.FilterPatterns.Count)));
        var queues = SqsEventSourceMappings.Configured(new ConfigurationBuilder().Build());
        Assert.Equal(AwsFunctions.Triggered<QueueTrigger>().Select(f => f.Function), queues.Select(q => q.Function));
        Assert.Equal(AwsFunctions.Triggered<ScheduleTrigger>().Select(f => f.Function), LocalScheduler.Recurring);
        foreach (var (_, queue) in AwsFunctions.Triggered<QueueTrigger>().Where(f => f.Trigger.Source is not null))
        {
            Assert.Contains(S3NotificationsApi.BucketName(queue.Source!.Bucket), MyBlogBuckets.All);
        }
        // Topics (SES feedback) and the deploy's custom resource have no local source; anything else must be emulated.
        var kinds = new[] { typeof(HttpTrigger), typeof(StreamTrigger), typeof(QueueTrigger), typeof(ScheduleTrigger), typeof(TopicTrigger), typeof(DeployTrigger) };
        Assert.All(AwsFunctions.All, f => Assert.Contains(f.Trigger.GetType(), kinds));
    }

    [Fact]
    public void The_stack_makes_every_declared_function_with_its_trigger_settings_and_alarm()
    {
        var alarms = stack.OfType("AWS::CloudWatch::Alarm").ToList();
        foreach (var declaration in AwsFunctions.All)
        {
            var (id, function) = stack.Function(declaration.ConstructId);
            Assert.Equal(declaration.MemoryMb, function["MemorySize"]!.GetValue<double>());
            Assert.Equal(declaration.FunctionTimeout.TotalSeconds, function["Timeout"]!.GetValue<double>());
            var variables = function["Environment"]!["Variables"]!.AsObject();
            foreach (var (key, value) in declaration.AllSettings)
            {
                Assert.Equal(value, variables[key.Replace(":", "__", StringComparison.Ordinal)]!.GetValue<string>());
            }
            Assert.Contains(alarms, a => a.Properties["MetricName"]!.GetValue<string>() == "Errors"
                && a.Properties["Dimensions"]!.AsArray().Any(d => SynthesizedStack.Ref(d!["Value"]) == id));
            Assert.True(IsTriggered(declaration, id), $"{declaration.Name}: its {declaration.Trigger.GetType().Name} is not in the template");
        }
        foreach (var (_, queue) in AwsFunctions.Triggered<QueueTrigger>())
        {
            var deadLetters = stack.OfType("AWS::SQS::Queue").Single(q => q.Id.StartsWith($"Functions{Functions.Pascal(queue.Queue)}DeadLetters", StringComparison.Ordinal)).Id;
            Assert.Contains(alarms, a => a.Properties["Dimensions"]!.ToJsonString().Contains(deadLetters, StringComparison.Ordinal));
        }
    }

    private bool IsTriggered(FunctionDeclaration declaration, string functionId) => declaration.Trigger switch
    {
        HttpTrigger => stack.OfType("AWS::ApiGatewayV2::Integration").Any(i => i.Properties["IntegrationUri"]!.ToJsonString().Contains(functionId, StringComparison.Ordinal)),
        StreamTrigger => stack.OfType("AWS::Lambda::EventSourceMapping").Any(m => stack.FunctionId(m.Properties["FunctionName"]) == functionId
            && m.Properties["StartingPosition"] is not null),
        QueueTrigger queue => stack.OfType("AWS::Lambda::EventSourceMapping").Any(m => stack.FunctionId(m.Properties["FunctionName"]) == functionId
            && SynthesizedStack.Ref(m.Properties["EventSourceArn"]).StartsWith($"Functions{Functions.Pascal(queue.Queue)}Queue", StringComparison.Ordinal)),
        ScheduleTrigger => stack.OfType("AWS::Scheduler::Schedule").Any(s => SynthesizedStack.Ref(s.Properties["Target"]!["Arn"]) == functionId
            && s.Properties["Target"]!["Input"]!.GetValue<string>() == declaration.ScheduleInput),
        TopicTrigger => stack.OfType("AWS::SNS::Subscription").Any(s => SynthesizedStack.Ref(s.Properties["Endpoint"]) == functionId),
        DeployTrigger deploy => stack.OfType(deploy.ResourceType).Any(r => SynthesizedStack.Ref(r.Properties["ServiceToken"]) == functionId),
        _ => false,
    };
}
