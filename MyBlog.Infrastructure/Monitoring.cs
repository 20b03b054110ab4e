using Amazon.CDK;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Constructs;
using MyBlog.Aws.Functions;
using Distribution = Amazon.CDK.AWS.CloudFront.Distribution;

namespace MyBlog.Infrastructure;

/// <summary>
/// Alarms that reach a person: every alarm notifies one topic, which mails <see cref="StackSettings.AlarmEmail"/>
/// (SNS asks the address to confirm once). What is watched: messages left in a dead-letter or failure queue, any
/// function error and sustained throttling, the API's 5xx answers and latency as API Gateway sees them (the API's own
/// failures are answers, not Lambda errors), a stream falling behind (records live 24 hours), a queue whose oldest
/// message is older than its work should take, replication to each replica region, SES's bounce and complaint rates
/// (SES reviews an account at 5% and 0.1%), and CloudFront's 5xx rate (its metrics exist in us-east-1 only, so there
/// when the home region is).
/// </summary>
public sealed class Monitoring : Construct
{
    /// <summary>The stream's records live 24 hours; an hour behind is trouble long before any is lost.</summary>
    public static readonly TimeSpan StreamBehind = TimeSpan.FromHours(1);

    public const double BounceRate = 0.05;
    public const double ComplaintRate = 0.001;

    private readonly SnsAction _notify;

    public Topic Alarms { get; }

    public Monitoring(Construct scope, string id, StackSettings settings, Functions functions, PublicApi api, ITableV2 table,
        Distribution? distribution, NagAcceptances nag) : base(scope, id)
    {
        Alarms = new Topic(this, "AlarmTopic", new TopicProps { DisplayName = "MyBlog alarms", EnforceSSL = true });
        // CloudWatch publishes for this account's alarms only; the topic's policy also refuses anything but TLS.
        Alarms.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [Alarms.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(this).Account },
            },
        }));
        var email = new Subscription(this, "AlarmEmail", new SubscriptionProps
        {
            Topic = Alarms,
            Protocol = SubscriptionProtocol.EMAIL,
            Endpoint = settings.AlarmEmail,
        });
        nag.Accept(Alarms, "AwsSolutions-SNS2",
            "CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key; a notification carries the alarm's name and state, nothing from the blog, and the topic accepts TLS only.");
        nag.Accept(email, "Serverless-SNSRedrivePolicy",
            "An email to a person: SNS retries a mailbox that is away, and what the alarm said stays in CloudWatch's alarm history; a dead-letter queue would hold a notification nobody reads.");
        _notify = new SnsAction(Alarms);

        var every5Minutes = new MetricOptions { Period = Duration.Minutes(5), Statistic = "Maximum" };
        var sum5Minutes = new MetricOptions { Period = Duration.Minutes(5), Statistic = "Sum" };
        foreach (var (name, queue) in functions.EndOfLine)
        {
            AlarmAt($"{name}Depth", $"Messages are waiting in {name}: events that could not be processed. Look, fix, and redrive them.",
                queue.MetricApproximateNumberOfMessagesVisible(every5Minutes), 1);
        }
        foreach (var declaration in AwsFunctions.All)
        {
            var function = functions[declaration];
            var name = declaration.ConstructId;
            AlarmAt($"{name}Errors", $"The {name} function reported errors.", function.MetricErrors(sum5Minutes), 1);
            AlarmAt($"{name}Throttles", $"The {name} function has been throttled for 15 minutes: its concurrency (or the account's) is too small for its work.",
                function.MetricThrottles(sum5Minutes), 1, periods: 3);
            switch (declaration.Trigger)
            {
                case StreamTrigger:
                    AlarmAt($"{name}StreamBehind", $"The {name} function is more than {StreamBehind.TotalHours:0} hour behind the table's stream (records expire after 24 hours).",
                        function.Metric("IteratorAge", every5Minutes), StreamBehind.TotalMilliseconds);
                    break;
                case QueueTrigger queue:
                    // Three visibility timeouts: a message delivered, failed and delivered again is still moving.
                    var late = queue.VisibilityTimeout * 3;
                    AlarmAt($"{name}QueueLate", $"A message has waited more than {late.TotalMinutes:0} minutes in the {queue.Queue} queue: the {name} function is not keeping up.",
                        functions.Queue(queue.Queue).MetricApproximateAgeOfOldestMessage(every5Minutes), late.TotalSeconds);
                    break;
            }
        }

        // A mail function that meets a refusal of the account's setup (SES's sandbox, an unverified sender, paused
        // sending, refused credentials) logs it with one marker; each such line counts, and the first one alarms.
        var setupRefusals = new Metric(new MetricProps
        {
            Namespace = "MyBlog",
            MetricName = "MailAccountSetupRefusals",
            Period = Duration.Minutes(1),
            Statistic = "Sum",
        });
        foreach (var declaration in AwsFunctions.All.Where(f => f.Mail is not null))
        {
            _ = new MetricFilter(this, $"{declaration.ConstructId}MailAccountSetup", new MetricFilterProps
            {
                LogGroup = functions.LogGroupOf(declaration),
                FilterPattern = FilterPattern.Literal($"\"{LogMarkers.MailAccountSetup}\""),
                MetricNamespace = setupRefusals.Namespace,
                MetricName = setupRefusals.MetricName,
                MetricValue = "1",
            });
        }
        AlarmAt("MailAccountSetup",
            "The mail service refuses to send for the account's setup — SES's sandbox (only verified recipients), an unverified sender, paused sending or refused credentials. Nobody gets mail; welcomes stay owed. The mail functions' logs say which.",
            setupRefusals, 1);

        AlarmAt("Api5xx", "The API answered with server errors (5xx), as API Gateway counted them.",
            api.HttpApi.MetricServerError(sum5Minutes), 1);
        AlarmAt("ApiLatency", "The API's slowest answers (p99) took more than 3 seconds for 15 minutes.",
            api.HttpApi.MetricLatency(new MetricOptions { Period = Duration.Minutes(5), Statistic = "p99" }), 3000, periods: 3);

        // Replication is watched where the table is defined: each replica region's latency, measured from the home region.
        foreach (var region in distribution is null ? [] : settings.ReplicaRegions)
        {
            AlarmAt($"Replication{Functions.Pascal(region)}", $"Writes take more than a minute to reach the table's replica in {region}.",
                new Metric(new MetricProps
                {
                    Namespace = "AWS/DynamoDB",
                    MetricName = "ReplicationLatency",
                    DimensionsMap = new Dictionary<string, string> { ["TableName"] = table.TableName, ["ReceivingRegion"] = region },
                    Period = Duration.Minutes(5),
                    Statistic = "Average",
                }), 60_000, periods: 3);
        }

        var hourly = Duration.Hours(1);
        AlarmAt("SesBounceRate", $"SES's bounce rate for the account reached {BounceRate:P0}: SES reviews an account there and may pause its sending.",
            new Metric(new MetricProps { Namespace = "AWS/SES", MetricName = "Reputation.BounceRate", Period = hourly, Statistic = "Maximum" }), BounceRate);
        AlarmAt("SesComplaintRate", $"SES's complaint rate for the account reached {ComplaintRate:P1}: SES reviews an account there and may pause its sending.",
            new Metric(new MetricProps { Namespace = "AWS/SES", MetricName = "Reputation.ComplaintRate", Period = hourly, Statistic = "Maximum" }), ComplaintRate);

        if (settings.HomeRegion == "us-east-1" && distribution is not null)
        {
            AlarmAt("CloudFront5xx", "More than 5% of the site's requests ended in server errors at CloudFront for 15 minutes.",
                new Metric(new MetricProps
                {
                    Namespace = "AWS/CloudFront",
                    MetricName = "5xxErrorRate",
                    DimensionsMap = new Dictionary<string, string> { ["DistributionId"] = distribution.DistributionId, ["Region"] = "Global" },
                    Period = Duration.Minutes(5),
                    Statistic = "Average",
                }), 5, periods: 3);
        }
    }

    /// <summary>
    /// Alarms when the metric reaches the threshold for <paramref name="periods"/> periods in a row, and says so to the
    /// alarm topic (and again when it is over). No data is not trouble.
    /// </summary>
    private void AlarmAt(string id, string description, IMetric metric, double threshold, int periods = 1)
    {
        var alarm = new Alarm(this, id, new AlarmProps
        {
            AlarmDescription = description,
            Metric = metric,
            Threshold = threshold,
            EvaluationPeriods = periods,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        alarm.AddAlarmAction(_notify);
        alarm.AddOkAction(_notify);
    }
}
