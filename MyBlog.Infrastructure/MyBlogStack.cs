using Amazon.CDK;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SES;
using Amazon.CDK.AWS.SQS;
using Constructs;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Storage;
using Attribute = Amazon.CDK.AWS.DynamoDB.Attribute;

namespace MyBlog.Infrastructure;

/// <summary>The site as the functions know it: its address, and the distribution they invalidate.</summary>
public sealed record SiteEndpoint(string Url, string DistributionId);

/// <summary>
/// MyBlog in one region (the home region's stack holds the global table and the distribution; each other region's
/// stack serves the API and runs every function on its replica of the table): the three buckets, the global table with its stream, CloudFront in front of the site, the media
/// and the HTTP API, the API function and one function per worker handler — each with its own least-privilege
/// role — the stream and queue event sources with the same settings LocalAws uses, SES, alarms and outputs.
/// </summary>
public sealed class MyBlogStack : Stack
{
    /// <summary>The home region's stack (the table, the distribution); the other regions' stacks read what they need of it.</summary>
    public bool IsHome { get; }

    public Buckets Buckets { get; }

    public MyBlogStack(Construct scope, string id, StackSettings settings, IStackProps? props = null) : base(scope, id, props)
    {
        IsHome = Region == settings.HomeRegion;
        var nag = new NagAcceptances();
        var buckets = Buckets = new Buckets(this, "Buckets", settings);
        var api = new PublicApi(this, "PublicApi", nag);
        ITableV2 table;
        string tableArnForNag;
        SiteEndpoint site;
        Distribution? distribution = null;
        if (IsHome)
        {
            var global = CreateTable(settings);
            var edge = new Edge(this, "Edge", settings, buckets, api, nag);
            table = global;
            tableArnForNag = NagAcceptances.ArnOf(global);
            distribution = edge.Distribution;
            site = new SiteEndpoint(edge.SiteUrl, edge.Distribution.DistributionId);
            if (settings.MultiRegion)
            {
                HomeRegionValues.Publish(this, global.TableName, edge.Distribution.DistributionId);
            }
        }
        else
        {
            var home = new HomeRegionValues(this, "Home", settings, MyBlogApp.StackName, nag);
            table = home.Table;
            tableArnForNag = home.TableArnForNag;
            site = new SiteEndpoint(settings.SiteUrl!, home.DistributionId);
            buckets.AllowDistributionToReadMedia(home.DistributionId);
        }
        if (settings.MultiRegion)
        {
            _ = new ApiFailover(this, "ApiFailover", settings, api);
        }
        buckets.AllowUploadsFrom(site.Url, settings.ExtraUploadOrigins);
        var functions = new Functions(this, "Functions", settings, table, tableArnForNag, buckets, site, api, nag);

        var feedback = functions.Topics[((TopicTrigger)AwsFunctions.MailFeedback.Trigger).Topic];

        // Every message the sender sends goes through this configuration set (the identity's default), whose event
        // destination publishes bounces and complaints to the feedback topic; SES's account-level suppression list
        // stops repeat sends to such addresses as well.
        var mailEvents = new ConfigurationSet(this, "MailEvents", new ConfigurationSetProps
        {
            SuppressionReasons = SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        });
        mailEvents.AddEventDestination("Feedback", new ConfigurationSetEventDestinationOptions
        {
            Destination = EventDestination.SnsTopic(feedback),
            Events = [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
        });
        feedback.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ServicePrincipal("ses.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [feedback.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Account },
            },
        }));
        if (!settings.ExistingSenderIdentity)
        {
            _ = new EmailIdentity(this, "Sender", new EmailIdentityProps
            {
                Identity = Identity.Email(settings.SenderAddress),
                ConfigurationSet = mailEvents,
            });
        }
        // The mail functions call SES's API with their own roles, naming the configuration set on every message (so an
        // identity made outside the stack reports its bounces too). SES authorizes a send against the identity it
        // uses — the address, or its verified domain — and the configuration set.
        var domain = settings.SenderAddress[(settings.SenderAddress.IndexOf('@') + 1)..];
        functions.AllowMail(mailEvents.ConfigurationSetName,
            [
                FormatArn(new ArnComponents { Service = "ses", Resource = "identity", ResourceName = settings.SenderAddress }),
                FormatArn(new ArnComponents { Service = "ses", Resource = "identity", ResourceName = domain }),
                FormatArn(new ArnComponents { Service = "ses", Resource = "configuration-set", ResourceName = mailEvents.ConfigurationSetName }),
            ]);

        var monitoring = new Monitoring(this, "Monitoring", settings, functions, api, table, distribution, nag);
        if (settings.TransactionSearch && IsHome)
        {
            EnableTransactionSearch();
        }

        Output("SiteUrl", site.Url, "The site (CloudFront)");
        Output("DistributionId", site.DistributionId, "For invalidations (Publishing__DistributionId)");
        if (distribution is not null)
        {
            Output("DistributionDomainName", distribution.DistributionDomainName, "CloudFront's own domain");
        }
        Output("ApiUrl", api.HttpApi.ApiEndpoint, "This region's HTTP API, also served under /api/ by CloudFront");
        Output("Region", Region, IsHome ? "The home region" : "A replica region");
        Output("TableName", table.TableName, "MyBlog__TableName");
        Output("SiteBucket", buckets.Site.BucketName, "Buckets__Site");
        Output("UploadsBucket", buckets.Uploads.BucketName, "Buckets__Uploads");
        Output("MediaBucket", buckets.Media.BucketName, "Buckets__Media");
        foreach (var (function, queue) in AwsFunctions.Triggered<QueueTrigger>())
        {
            var name = Functions.Pascal(queue.Queue);
            Output($"{name}QueueUrl", functions.Queue(queue.Queue).QueueUrl, $"The {function.Name} function's queue{(queue.UrlSetting is null ? "" : $" ({queue.UrlSetting})")}");
        }
        foreach (var (name, queue) in functions.EndOfLine)
        {
            Output($"{name}QueueUrl", queue.QueueUrl, "Messages that could not be processed (alarmed): look, fix, and redrive them");
        }
        foreach (var (function, _) in AwsFunctions.Triggered<ScheduleTrigger>())
        {
            Output($"{function.ConstructId}FunctionName", functions[function].FunctionName, "Invoke it to run it now (its schedule runs it every minute anyway)");
        }
        Output("LinkKeyParameterName", settings.LinkKeyParameterName, "SSM SecureString: the key newsletter unsubscribe links are signed with");
        Output("IdKeyParameterName", settings.IdKeyParameterName, "SSM SecureString: the key subscribers' ids are derived from (never changed)");
        Output("MailConfigurationSet", mailEvents.ConfigurationSetName, "Mail__ConfigurationSet: named on every message, it reports bounces and complaints");
        Output("SetupCodeParameterName", settings.SetupCodeParameterName, "SSM SecureString: the one-time setup code");
        Output("SenderAddress", settings.SenderAddress, "Mail__FromAddress (verify it in SES)");
        Output("AlarmTopicArn", monitoring.Alarms.TopicArn, $"Every alarm notifies this topic, which mails {settings.AlarmEmail} (confirm the subscription SNS sends)");
    }

    /// <summary>
    /// CloudWatch Transaction Search, which X-Ray's OTLP endpoint needs: spans stored in the aws/spans log group and
    /// indexed (1%, the free share). It is one setting per account and region, so it is opt-in: on an account where
    /// it is already on, creating it again would fail the deploy.
    /// </summary>
    private void EnableTransactionSearch()
    {
        var policy = new CfnResource(this, "TransactionSearchLogs", new CfnResourceProps
        {
            Type = "AWS::Logs::ResourcePolicy",
            Properties = new Dictionary<string, object>
            {
                ["PolicyName"] = "MyBlogTransactionSearch",
                ["PolicyDocument"] = Fn.Sub("""
                    {"Version":"2012-10-17","Statement":[{"Sid":"TransactionSearchXRayAccess","Effect":"Allow","Principal":{"Service":"xray.amazonaws.com"},"Action":"logs:PutLogEvents","Resource":["arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:aws/spans:*","arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/application-signals/data:*"],"Condition":{"ArnLike":{"aws:SourceArn":"arn:${AWS::Partition}:xray:${AWS::Region}:${AWS::AccountId}:*"},"StringEquals":{"aws:SourceAccount":"${AWS::AccountId}"}}}]}
                    """),
            },
        });
        var search = new CfnResource(this, "TransactionSearch", new CfnResourceProps
        {
            Type = "AWS::XRay::TransactionSearchConfig",
            Properties = new Dictionary<string, object> { ["IndexingPercentage"] = 1 },
        });
        search.AddDependency(policy);
    }

    private TableV2 CreateTable(StackSettings settings) => new(this, "Table", new TablePropsV2
    {
        PartitionKey = new Attribute { Name = MyBlogTable.PartitionKey, Type = AttributeType.STRING },
        SortKey = new Attribute { Name = MyBlogTable.SortKey, Type = AttributeType.STRING },
        Billing = Billing.OnDemand(),
        PointInTimeRecovery = true,
        DeletionProtection = true,
        RemovalPolicy = RemovalPolicy.RETAIN,
        DynamoStream = StreamViewType.NEW_AND_OLD_IMAGES,
        // Sign-in links, passkey challenges and sessions are deleted by DynamoDB once worthless (turned on in place).
        TimeToLiveAttribute = MyBlogTable.TimeToLive,
        Replicas = settings.ReplicaRegions.Select(region => new ReplicaTableProps { Region = region }).ToArray(),
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndexPropsV2
            {
                IndexName = MyBlogTable.ListIndex,
                PartitionKey = new Attribute { Name = MyBlogTable.ListPartitionKey, Type = AttributeType.STRING },
                SortKey = new Attribute { Name = MyBlogTable.ListSortKey, Type = AttributeType.STRING },
                ProjectionType = ProjectionType.INCLUDE,
                NonKeyAttributes = [.. MyBlogTable.ListAttributes],
            },
            // A deployed table gains one index per update (DynamoDB's rule): add a third in a deployment of its own.
            new GlobalSecondaryIndexPropsV2
            {
                IndexName = MyBlogTable.DirectoryIndex,
                PartitionKey = new Attribute { Name = MyBlogTable.DirectoryPartitionKey, Type = AttributeType.STRING },
                SortKey = new Attribute { Name = MyBlogTable.DirectorySortKey, Type = AttributeType.STRING },
                ProjectionType = ProjectionType.INCLUDE,
                NonKeyAttributes = [.. MyBlogTable.DirectoryAttributes],
            },
        ],
    });

    private void Output(string name, string value, string description) =>
        _ = new CfnOutput(this, name, new CfnOutputProps { Value = value, Description = description });
}
