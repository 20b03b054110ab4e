using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace MyBlog.Infrastructure;

/// <summary>Alarms: any message in a dead-letter or on-failure queue, and any function error.</summary>
public sealed class Monitoring : Construct
{
    public Monitoring(Construct scope, string id, Functions functions) : base(scope, id)
    {
        foreach (var (name, queue) in new (string, Queue)[] { ("ThumbnailsDeadLetters", functions.ThumbnailsDeadLetterQueue), ("StreamFailures", functions.StreamFailures) })
        {
            _ = new Alarm(this, $"{name}Depth", new AlarmProps
            {
                AlarmDescription = $"Messages are waiting in {name}: events that could not be processed.",
                Metric = queue.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Maximum" }),
                Threshold = 1,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            });
        }
        foreach (var function in functions.All)
        {
            _ = new Alarm(this, $"{function.Node.Id}Errors", new AlarmProps
            {
                AlarmDescription = $"The {function.Node.Id} function reported errors.",
                Metric = function.MetricErrors(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Sum" }),
                Threshold = 1,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            });
        }
    }
}
