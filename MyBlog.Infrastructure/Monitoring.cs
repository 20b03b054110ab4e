using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Constructs;

namespace MyBlog.Infrastructure;

/// <summary>Alarms: any message in a dead-letter or on-failure queue, and any function error.</summary>
public sealed class Monitoring : Construct
{
    public Monitoring(Construct scope, string id, Functions functions) : base(scope, id)
    {
        var every5Minutes = new MetricOptions { Period = Duration.Minutes(5), Statistic = "Maximum" };
        foreach (var (name, queue) in functions.EndOfLine)
        {
            AlarmOnAny($"{name}Depth", $"Messages are waiting in {name}: events that could not be processed.",
                queue.MetricApproximateNumberOfMessagesVisible(every5Minutes));
        }
        foreach (var function in functions.All)
        {
            AlarmOnAny($"{function.Node.Id}Errors", $"The {function.Node.Id} function reported errors.",
                function.MetricErrors(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Sum" }));
        }
    }

    /// <summary>Alarms as soon as the metric reaches one in a five-minute period; no data is not trouble.</summary>
    private void AlarmOnAny(string id, string description, IMetric metric) => _ = new Alarm(this, id, new AlarmProps
    {
        AlarmDescription = description,
        Metric = metric,
        Threshold = 1,
        EvaluationPeriods = 1,
        ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        TreatMissingData = TreatMissingData.NOT_BREACHING,
    });
}
