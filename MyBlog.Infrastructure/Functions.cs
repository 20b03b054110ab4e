using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.Scheduler;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Constructs;
using MyBlog.Core;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace MyBlog.Infrastructure;

/// <summary>
/// The functions: MyBlog.Api behind an HTTP API, and MyBlog.Workers once per handler (welcome mail and its sweep,
/// publish, the site deployment, thumbnails, the newsletter's planner and sender, mail feedback) — the same package, each with its own pass-through path, its own role holding only what that handler
/// touches, its own log group. All run the self-contained .NET build on provided.al2023: the package's
/// <c>bootstrap</c> starts the app, and the Lambda Web Adapter layer (an extension on OS-only runtimes — no exec
/// wrapper) waits for <c>/health</c>, proxies HTTP and POSTs other events to <c>AWS_LWA_PASS_THROUGH_PATH</c>.
/// </summary>
public sealed class Functions : Construct
{
    public const string AdapterPort = "8080";

    private readonly StackSettings _settings;
    private readonly NagAcceptances _nag;
    private readonly TableV2 _table;
    private readonly Dictionary<string, AssetCode> _packages = [];

    public LambdaFunction Api { get; }
    public LambdaFunction WelcomeMail { get; }
    public LambdaFunction WelcomeSweep { get; }
    public LambdaFunction Publish { get; }

    /// <summary>Answers CloudFormation's request on each deploy: the site rebuilt with the code just deployed.</summary>
    public LambdaFunction SiteDeploy { get; }
    public LambdaFunction Thumbnails { get; }
    /// <summary>The site, rebuilt on each deploy (a custom resource served by the publish function).</summary>
    public CustomResource Site { get; }
    public Queue ThumbnailsQueue { get; }
    public Queue ThumbnailsDeadLetterQueue { get; }

    /// <summary>Imports an uploaded blog archive: S3 ObjectCreated on imports/ → queue (+ DLQ) → function.</summary>
    public LambdaFunction Import { get; }
    public Queue ImportsQueue { get; }
    public Queue ImportsDeadLetterQueue { get; }
    public Queue StreamFailures { get; }

    /// <summary>Queues a post's recipients when its newsletter job is created (the post's first publication).</summary>
    public LambdaFunction NewsletterPlan { get; }

    /// <summary>Sends newsletter batches from the queue at its share of SES's rate.</summary>
    public LambdaFunction NewsletterSend { get; }

    /// <summary>Stops mail to addresses SES reports bounced or complained (through the feedback topic).</summary>
    public LambdaFunction MailFeedback { get; }

    /// <summary>Publishes scheduled posts: each post's one-time schedule at its time, and a run every minute.</summary>
    public LambdaFunction PublishDue { get; }
    public Queue NewsletterQueue { get; }
    public Queue NewsletterDeadLetterQueue { get; }
    public Queue MailFeedbackDeadLetterQueue { get; }

    /// <summary>SES's bounce and complaint events (the configuration set's destination) → the feedback function.</summary>
    public Topic MailFeedbackTopic { get; }

    public IEnumerable<LambdaFunction> All => [Api, WelcomeMail, WelcomeSweep, Publish, SiteDeploy, Thumbnails, NewsletterPlan, NewsletterSend, MailFeedback, PublishDue, Import];

    /// <summary>Instances of the welcome stream function that may send at once (its reserved concurrency).</summary>
    public const int WelcomeMailConcurrency = 2;

    /// <summary>Instances of the newsletter sender that may send at once (its reserved concurrency).</summary>
    public static readonly int NewsletterConcurrency = QueueSubscriptions.Newsletter.MaximumConcurrency!.Value;

    /// <summary>
    /// How SES's account rate is shared: a quarter for the welcome stream function's instances, a quarter for the
    /// sweep, half for the newsletter's. Each process paces itself (Mail__MaxSendRate) and reserved concurrency caps
    /// the processes, so together they stay under the account's rate; a 454 past it is retried anyway.
    /// </summary>
    public static (double WelcomePerInstance, double Sweep, double NewsletterPerInstance) MailPaces(double sesSendRate) =>
        (sesSendRate / 4 / WelcomeMailConcurrency, sesSendRate / 4, sesSendRate / 2 / NewsletterConcurrency);

    public Functions(Construct scope, string id, StackSettings settings, TableV2 table, Buckets buckets, Edge edge, PublicApi api, NagAcceptances nag) : base(scope, id)
    {
        _settings = settings;
        _nag = nag;
        _table = table;
        var stack = Stack.Of(this);
        var common = new Dictionary<string, string>
        {
            ["MyBlog__TableName"] = table.TableName,
            ["MyBlog__SiteUrl"] = edge.SiteUrl,
        };

        // --- the API ---
        Api = Create("Api", "api", "MyBlog.Api", memoryMb: 512, timeout: Duration.Seconds(15), new Dictionary<string, string>(common)
        {
            ["Photos__UploadsBucket"] = buckets.Uploads.BucketName,
            ["Photos__TransferAcceleration"] = "true",
            ["Secrets__Admin__Token"] = settings.AdminTokenParameterName,
            // The version CloudFront sends and the one before it (a rotation reaches edge locations over minutes). A new
            // version changes this configuration, so Lambda starts the API afresh and every instance knows both.
            ["Secrets__Edge__OriginSecret"] = settings.OriginSecretAt(settings.OriginSecretVersion),
            ["Secrets__Subscribers__LinkKey"] = settings.LinkKeyParameterName,
            ["Secrets__Subscribers__IdKey"] = settings.IdKeyParameterName,
        });
        AllowTable(Api, withListIndex: true, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem");
        // Everything the author and the readers write: posts (and their schedules), subscribers (their mailboxes' turns,
        // and moving them to keyed ids), photos, imports, newsletter jobs — never the publisher's lock.
        AllowWrites(Api, ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], Keys.Posts, Keys.Subscribers, Keys.SubscriberAliases,
            Keys.Mailboxes, Keys.Photos, Keys.Imports, Keys.Newsletters);
        // Presigned upload URLs are signed with the API's credentials: it may put originals, nothing else.
        AllowObjects(Api, ["s3:PutObject", "s3:PutObjectTagging"], buckets.Uploads, Core.Photos.Photo.OriginalsPrefix,
            "Photo originals are named by an id made at upload time (uploads/{photoId}/original); the API signs uploads to that prefix of this stack's bucket and nothing else.");
        AllowParameter(Api, settings.AdminTokenParameterName);
        AllowParameter(Api, settings.OriginSecretParameterName);
        if (settings.OriginSecretVersion > 1)
        {
            Api.AddEnvironment("Secrets__Edge__PreviousOriginSecret", settings.OriginSecretAt(settings.OriginSecretVersion - 1));
        }
        AllowParameter(Api, settings.LinkKeyParameterName);
        AllowParameter(Api, settings.IdKeyParameterName);
        api.Route(new HttpLambdaIntegration("Api", Api));
        // CloudFront's fallback for site pages its bucket origin could not answer: the page, or the site's 404 page.
        Api.AddEnvironment("Site__Bucket", buckets.Site.BucketName);
        AllowObjects(Api, ["s3:GetObject"], buckets.Site, "",
            "CloudFront falls back to the API for site paths the bucket could not answer; it reads the page (or the 404 page) of this stack's site bucket, refusing the publisher's own files by name.");

        // --- the stream's on-failure destination, shared by both stream subscriptions ---
        StreamFailures = EndOfLineQueue("StreamFailures");

        // --- the newsletter queue: batches of recipients, planned from the stream, sent at the newsletter's pace ---
        var newsletter = QueueSubscriptions.Newsletter;
        (NewsletterQueue, NewsletterDeadLetterQueue) = QueueWithDeadLetters("Newsletter", newsletter);

        // --- welcome mail: the stream's fast attempt, and the sweep that delivers whatever is still owed ---
        // SES allows a fixed rate per account, shared by the mail functions (MailPaces).
        var mail = new Dictionary<string, string>(common)
        {
            ["Mail__Host"] = $"email-smtp.{stack.Region}.amazonaws.com",
            ["Mail__Port"] = "587",
            ["Mail__Security"] = "StartTls",
            ["Mail__FromAddress"] = settings.SenderAddress,
            ["Secrets__Mail"] = settings.SmtpParameterName,
            ["Secrets__Subscribers__IdKey"] = settings.IdKeyParameterName,
        };
        WelcomeMail = CreateWorker("WelcomeMail", EventHandlers.WelcomeMail, StreamSubscriptions.WelcomeMail.Path, new Dictionary<string, string>(mail)
        {
            ["Mail__MaxSendRate"] = Rate(MailPaces(settings.SesSendRate).WelcomePerInstance),
            // Stop starting sends with a whole send (30 s) and a margin left of the 60 s timeout.
            ["Mail__BatchBudget"] = "00:00:25",
        }, reservedConcurrency: settings.ReserveMailConcurrency ? WelcomeMailConcurrency : null);
        AllowWrites(WelcomeMail, ["dynamodb:UpdateItem"], Keys.Subscribers);
        AllowParameter(WelcomeMail, settings.SmtpParameterName);
        AllowParameter(WelcomeMail, settings.IdKeyParameterName);
        Subscribe(WelcomeMail, table, StreamSubscriptions.WelcomeMail);

        WelcomeSweep = CreateWorker("WelcomeSweep", EventHandlers.WelcomeSweep, Schedules.WelcomeSweep.Path, new Dictionary<string, string>(mail)
        {
            ["Mail__MaxSendRate"] = Rate(MailPaces(settings.SesSendRate).Sweep),
            ["Mail__SweepBudget"] = "00:02:00",
            ["Newsletter__QueueUrl"] = NewsletterQueue.QueueUrl,
        }, timeout: Duration.Minutes(3), reservedConcurrency: settings.ReserveMailConcurrency ? 1 : null);
        // It also goes on planning a newsletter whose planner stopped: the planner's rights too.
        AllowTable(WelcomeSweep, withListIndex: true, "dynamodb:Query", "dynamodb:GetItem", "dynamodb:Scan");
        // Subscribers (claims, moving them to keyed ids with their aliases, the move's progress) and newsletter jobs.
        AllowWrites(WelcomeSweep, ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], Keys.Subscribers, Keys.SubscriberAliases, Keys.Migrations);
        AllowWrites(WelcomeSweep, ["dynamodb:UpdateItem"], Keys.Newsletters);
        NewsletterQueue.GrantSendMessages(WelcomeSweep);
        AllowParameter(WelcomeSweep, settings.SmtpParameterName);
        AllowParameter(WelcomeSweep, settings.IdKeyParameterName);
        Schedule(WelcomeSweep, Schedules.WelcomeSweep);

        // --- publish ---
        // Sized from the rebuild benchmark: a 5,000-post rebuild renders 5,500 pages in about 17 s on one local core
        // and fits a 384 MB heap; 1 GB gives the function over half a vCPU (Lambda's CPU follows memory), so such a
        // rebuild takes well under a minute, and three minutes leave room for a site several times larger. The
        // publisher's hold on the site outlasts the timeout, so a live publisher never loses it.
        var publishTimeout = Duration.Minutes(3);
        var publishing = new Dictionary<string, string>(common)
        {
            ["Publishing__SiteBucket"] = buckets.Site.BucketName,
            ["Publishing__DistributionId"] = edge.Distribution.DistributionId,
            ["Publishing__LockLease"] = TimeSpan.FromSeconds(publishTimeout.ToSeconds() + 60).ToString("c", CultureInfo.InvariantCulture),
        };
        Publish = CreateWorker("Publish", EventHandlers.Publish, StreamSubscriptions.Publish.Path, new Dictionary<string, string>(publishing),
            memoryMb: 1024, timeout: publishTimeout);
        AllowPublishing(Publish, buckets, edge);
        Subscribe(Publish, table, StreamSubscriptions.Publish);

        // Each deploy of a new workers package rebuilds the site (templates, editor): a custom resource answered by a
        // function of its own, on a path of its own (MyBlog.Workers SiteDeploymentHandler). The package's hash makes a
        // new package an update.
        SiteDeploy = CreateWorker("SiteDeploy", EventHandlers.SiteDeployment, Deployments.SitePath, new Dictionary<string, string>(publishing),
            memoryMb: 1024, timeout: publishTimeout);
        AllowPublishing(SiteDeploy, buckets, edge);
        _nag.Accept(SiteDeploy, "Serverless-LambdaDLQ",
            "Only CloudFormation invokes it, once per deploy, and waits for its answer at the response URL: a failure fails (and rolls back) the deploy, which a dead-letter queue could not do better.");
        Site = new CustomResource(this, "Site", new CustomResourceProps
        {
            ServiceToken = SiteDeploy.FunctionArn,
            ResourceType = "Custom::MyBlogSite",
            Properties = new Dictionary<string, object> { ["Package"] = PackageCode("workers").Bind(this).S3Location!.ObjectKey },
        });
        // Five minutes, not the default hour, should an answer never come (CloudFormation's ServiceTimeout; CDK 2.160 has no prop).
        ((CfnResource)Site.Node.DefaultChild!).AddPropertyOverride("ServiceTimeout", 300);
        // The rebuild writes the site and invalidates: the role's policy and the distribution must exist first.
        Site.Node.AddDependency(SiteDeploy.Role!);

        // --- thumbnails: S3 ObjectCreated on uploads/ → SQS (+ DLQ) → function ---
        var thumbnails = QueueSubscriptions.Thumbnails;
        (ThumbnailsQueue, ThumbnailsDeadLetterQueue) = QueueWithDeadLetters("Thumbnails", thumbnails);
        buckets.NotifyOnUpload(ThumbnailsQueue, thumbnails.KeyPrefix!);

        Thumbnails = CreateWorker("Thumbnails", EventHandlers.Thumbnails, thumbnails.Path, new Dictionary<string, string>(common)
        {
            ["Photos__UploadsBucket"] = buckets.Uploads.BucketName,
            ["Photos__MediaBucket"] = buckets.Media.BucketName,
        }, memoryMb: 1024, timeout: Duration.Seconds(thumbnails.FunctionTimeout.TotalSeconds));
        AllowTable(Thumbnails, withListIndex: false, "dynamodb:GetItem");
        AllowWrites(Thumbnails, ["dynamodb:UpdateItem"], Keys.Photos);
        AllowObjects(Thumbnails, ["s3:GetObject", "s3:PutObjectTagging"], buckets.Uploads, thumbnails.KeyPrefix!,
            "The worker reads whichever original an upload event names, all under uploads/ of this stack's bucket, each named by a photo id made at upload time.");
        AllowObjects(Thumbnails, ["s3:PutObject"], buckets.Media, "media/",
            "Variants are written under media/{photoId}/ of this stack's media bucket, named by ids made at upload time.");
        Thumbnails.AddEventSource(new SqsEventSource(ThumbnailsQueue, new SqsEventSourceProps
        {
            BatchSize = thumbnails.BatchSize,
            ReportBatchItemFailures = true,
        }));
        var queueMapping = Thumbnails.Node.Children.OfType<EventSourceMapping>().Single();
        _nag.Accept(queueMapping, "Serverless-LambdaEventSourceMappingDestination",
            "An SQS event source takes failed messages back to the queue, whose redrive policy moves them to the thumbnails dead-letter queue after 5 receives (alarmed); Lambda offers on-failure destinations for stream sources only.");

        // --- imports: S3 ObjectCreated on imports/ → SQS (+ DLQ) → function ---
        var imports = QueueSubscriptions.Imports;
        (ImportsQueue, ImportsDeadLetterQueue) = QueueWithDeadLetters("Imports", imports);
        buckets.NotifyOnUpload(ImportsQueue, imports.KeyPrefix!);
        // A thousand posts with their images take minutes: Lambda's full 15, and the archive (≤ 200 MB) on its disk.
        Import = CreateWorker("Import", EventHandlers.Imports, imports.Path, new Dictionary<string, string>(common)
        {
            ["Photos__UploadsBucket"] = buckets.Uploads.BucketName,
        }, memoryMb: 1024, timeout: Duration.Seconds(imports.FunctionTimeout.TotalSeconds));
        ((CfnFunction)Import.Node.DefaultChild!).EphemeralStorage = new CfnFunction.EphemeralStorageProperty { Size = 1024 };
        // It writes posts (with their schedule items), photos and its own record, all through the table's key.
        AllowTable(Import, withListIndex: false, "dynamodb:GetItem");
        AllowWrites(Import, ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], Keys.Posts, Keys.Photos, Keys.Imports);
        AllowObjects(Import, ["s3:GetObject", "s3:DeleteObject"], buckets.Uploads, imports.KeyPrefix!,
            "The worker reads (and then deletes) whichever archive an upload event names, all under imports/ of this stack's bucket, each named by an import id made at upload time.");
        AllowObjects(Import, ["s3:PutObject", "s3:PutObjectTagging"], buckets.Uploads, Core.Photos.Photo.OriginalsPrefix,
            "An archive's images become photos as the editor's uploads do: originals under uploads/{photoId}/, named by a hash of their bytes.");
        Import.AddEventSource(new SqsEventSource(ImportsQueue, new SqsEventSourceProps
        {
            BatchSize = imports.BatchSize,
            ReportBatchItemFailures = true,
        }));
        _nag.Accept(Import.Node.Children.OfType<EventSourceMapping>().Single(), "Serverless-LambdaEventSourceMappingDestination",
            "An SQS event source takes failed messages back to the queue, whose redrive policy moves them to the imports dead-letter queue after 3 receives (alarmed); Lambda offers on-failure destinations for stream sources only.");
        _nag.Accept(Import, "Serverless-LambdaDLQ", "Its messages come from an SQS queue with a dead-letter queue after 3 receives; a function dead-letter queue only covers asynchronous invocations.");
        // The editor's archive upload: presigned by the API, for imports/ only.
        AllowObjects(Api, ["s3:PutObject"], buckets.Uploads, imports.KeyPrefix!,
            "Archives are named by an id made when the author declares one (imports/{importId}/archive.zip); the API signs uploads to that prefix of this stack's bucket and nothing else.");

        // --- the newsletter: plan (stream → queue), send (queue → SES at half the account's rate), feedback ---
        NewsletterPlan = CreateWorker("NewsletterPlan", EventHandlers.NewsletterPlan, StreamSubscriptions.NewsletterPlan.Path, new Dictionary<string, string>(common)
        {
            ["Newsletter__QueueUrl"] = NewsletterQueue.QueueUrl,
            ["Secrets__Subscribers__IdKey"] = settings.IdKeyParameterName,
        }, timeout: Duration.Minutes(5));
        AllowParameter(NewsletterPlan, settings.IdKeyParameterName);
        // It reads the job, scans for confirmed subscribers (the table holds nothing a planner may not read), records its progress.
        AllowTable(NewsletterPlan, withListIndex: false, "dynamodb:GetItem", "dynamodb:Scan");
        AllowWrites(NewsletterPlan, ["dynamodb:UpdateItem"], Keys.Newsletters);
        NewsletterQueue.GrantSendMessages(NewsletterPlan);
        Subscribe(NewsletterPlan, table, StreamSubscriptions.NewsletterPlan);

        NewsletterSend = CreateWorker("NewsletterSend", EventHandlers.NewsletterSend, newsletter.Path, new Dictionary<string, string>(mail)
        {
            ["Mail__MaxSendRate"] = Rate(MailPaces(settings.SesSendRate).NewsletterPerInstance),
            ["Newsletter__QueueUrl"] = NewsletterQueue.QueueUrl,
            ["Secrets__Subscribers__LinkKey"] = settings.LinkKeyParameterName,
        }, timeout: Duration.Seconds(newsletter.FunctionTimeout.TotalSeconds),
            reservedConcurrency: settings.ReserveMailConcurrency ? NewsletterConcurrency : null);
        // Reads the post, its photos and each subscriber; claims and closes recipients (a transaction of updates).
        AllowTable(NewsletterSend, withListIndex: false, "dynamodb:GetItem", "dynamodb:BatchGetItem");
        // Recipients' markers and the job; a bounce stops mail to the subscriber (moving it to its keyed id first).
        AllowWrites(NewsletterSend, ["dynamodb:UpdateItem"], Keys.Newsletters);
        AllowWrites(NewsletterSend, ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], Keys.Subscribers, Keys.SubscriberAliases);
        AllowParameter(NewsletterSend, settings.SmtpParameterName);
        AllowParameter(NewsletterSend, settings.IdKeyParameterName);
        AllowParameter(NewsletterSend, settings.LinkKeyParameterName);
        NewsletterSend.AddEventSource(new SqsEventSource(NewsletterQueue, new SqsEventSourceProps
        {
            BatchSize = newsletter.BatchSize,
            ReportBatchItemFailures = true,
            MaxConcurrency = NewsletterConcurrency,
        }));
        _nag.Accept(NewsletterSend.Node.Children.OfType<EventSourceMapping>().Single(), "Serverless-LambdaEventSourceMappingDestination",
            "An SQS event source takes failed messages back to the queue, whose redrive policy moves them to the newsletter dead-letter queue after 5 receives (alarmed); the recipients' markers make a redrive send nobody twice.");

        Api.AddEnvironment("Newsletter__QueueUrl", NewsletterQueue.QueueUrl);
        NewsletterQueue.GrantSendMessages(Api); // the author's test copy

        MailFeedbackTopic = new Topic(this, "MailFeedbackTopic", new TopicProps { DisplayName = "MyBlog mail feedback", EnforceSSL = true });
        MailFeedbackDeadLetterQueue = EndOfLineQueue("MailFeedbackDeadLetters");
        MailFeedback = CreateWorker("MailFeedback", EventHandlers.MailFeedback, Notifications.MailFeedbackPath, new Dictionary<string, string>(common)
        {
            ["Secrets__Subscribers__IdKey"] = settings.IdKeyParameterName,
        }, timeout: Duration.Seconds(30), deadLetterQueue: MailFeedbackDeadLetterQueue);
        AllowParameter(MailFeedback, settings.IdKeyParameterName);
        AllowTable(MailFeedback, withListIndex: false, "dynamodb:GetItem");
        AllowWrites(MailFeedback, ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], Keys.Subscribers, Keys.SubscriberAliases);
        MailFeedbackTopic.AddSubscription(new LambdaSubscription(MailFeedback, new LambdaSubscriptionProps { DeadLetterQueue = MailFeedbackDeadLetterQueue }));
        _nag.Accept(MailFeedbackTopic, "AwsSolutions-SNS2",
            "SES publishes bounce and complaint events to this topic, and SES cannot publish to a topic encrypted with the AWS-managed SNS key; the events carry only the addresses SES already holds, and the topic accepts TLS only.");
        _nag.Accept(MailFeedbackTopic, "Serverless-SNSRedrivePolicy",
            "Its one subscription (the feedback function) has a dead-letter queue for deliveries SNS gives up on.");

        // --- scheduled publishing: one-time schedules the API makes per post, and the recurring catch-all run ---
        PublishDue = CreateWorker("PublishDue", EventHandlers.PublishDue, Schedules.PublishDue.Path, new Dictionary<string, string>(common),
            timeout: Duration.Seconds(60));
        // Reads the post and the due schedule items; publishes as the API does (the post, its schedule item, and on
        // a first publication the newsletter job, in one transaction).
        AllowTable(PublishDue, withListIndex: true, "dynamodb:GetItem", "dynamodb:Query");
        AllowWrites(PublishDue, ["dynamodb:PutItem", "dynamodb:DeleteItem"], Keys.Posts, Keys.Newsletters);
        var schedulerRole = Schedule(PublishDue, Schedules.PublishDue);
        var schedulePrefix = SchedulePrefix(stack.StackName);
        Api.AddEnvironment("Scheduling__TargetArn", PublishDue.FunctionArn);
        Api.AddEnvironment("Scheduling__RoleArn", schedulerRole.RoleArn);
        Api.AddEnvironment("Scheduling__NamePrefix", schedulePrefix);
        var postSchedules = $"arn:{stack.Partition}:scheduler:{stack.Region}:{stack.Account}:schedule/default/{schedulePrefix}-publish-*";
        Allow(Api, ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"], postSchedules);
        Api.Role!.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["iam:PassRole"],
            Resources = [schedulerRole.RoleArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = "scheduler.amazonaws.com" },
            },
        }));
        _nag.Accept(DefaultPolicy(Api), "AwsSolutions-IAM5",
            "A scheduled post's one-time schedule is named when the author schedules it ({stack}-publish-{hash of the slug}); the API may manage those schedules of this stack in the default group and no other.",
            $"Resource::arn:<AWS::Partition>:scheduler:{NagText(stack.Region, "AWS::Region")}:{NagText(stack.Account, "AWS::AccountId")}:schedule/default/{schedulePrefix}-publish-*");
        _nag.Accept(PublishDue, "Serverless-LambdaDLQ",
            "A run that fails is retried by its schedule and, whatever happens, the next minute's run publishes whatever is due: a due post lives in the table until it is published, so a failed invocation loses nothing a dead-letter queue could keep.");

        _nag.Accept(StreamFailures, "AwsSolutions-SQS3",
            "This queue is itself the end of the line: the stream event sources' on-failure destination, kept 14 days and alarmed. What its records owed stays in the table (the welcome sweep delivers it).");
        foreach (var endOfLine in new[] { StreamFailures, ThumbnailsDeadLetterQueue, NewsletterDeadLetterQueue, MailFeedbackDeadLetterQueue, ImportsDeadLetterQueue })
        {
            _nag.Accept(endOfLine, "Serverless-SQSRedrivePolicy",
                "A dead-letter or on-failure queue is the end of the line: nothing receives from it, its messages are kept 14 days and an alarm fires on the first one.");
        }
        _nag.Accept(Api, "Serverless-LambdaDLQ", "API Gateway invokes the API synchronously and gets every failure as an HTTP answer; a dead-letter queue only receives failed asynchronous invocations.");
        _nag.Accept(WelcomeMail, "Serverless-LambdaDLQ", "Its stream event source mapping has an on-failure destination (the StreamFailures queue), and the welcome sweep delivers whatever is still owed; a function dead-letter queue only covers asynchronous invocations.");
        _nag.Accept(Publish, "Serverless-LambdaDLQ", "Its stream event source mapping has an on-failure destination (the StreamFailures queue); CloudFormation's deploy request, its one asynchronous caller, waits for the answer and fails the deploy without one.");
        _nag.Accept(WelcomeSweep, "Serverless-LambdaDLQ", "A sweep that fails is run again by the next minute's schedule; what it owes lives in the table, so a failed invocation loses nothing a dead-letter queue could keep.");
        _nag.Accept(Thumbnails, "Serverless-LambdaDLQ", "Its messages come from an SQS queue with a dead-letter queue after 5 receives; a function dead-letter queue only covers asynchronous invocations.");
        _nag.Accept(NewsletterSend, "Serverless-LambdaDLQ", "Its messages come from an SQS queue with a dead-letter queue after 5 receives; a function dead-letter queue only covers asynchronous invocations.");
        _nag.Accept(NewsletterPlan, "Serverless-LambdaDLQ", "Its stream event source mapping has an on-failure destination (the StreamFailures queue), and the sweep resumes any newsletter whose planning stopped; a function dead-letter queue only covers asynchronous invocations.");
    }

    /// <summary>The publisher's rights: read the posts and photos, hold its lock, note the photos it waits for, write the site bucket, invalidate the distribution.</summary>
    private void AllowPublishing(LambdaFunction function, Buckets buckets, Edge edge)
    {
        var stack = Stack.Of(this);
        AllowTable(function, withListIndex: true, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem");
        // Its only writes to the table: its own lock on the site, and no other item (the leading key is fixed).
        function.Role!.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["dynamodb:PutItem", "dynamodb:DeleteItem"],
            Resources = [_table.TableArn],
            Conditions = new Dictionary<string, object>
            {
                ["ForAllValues:StringEquals"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = new[] { MyBlogTable.PublisherLockPartitionKey } },
            },
        }));
        // And a note on a photo that a published page shows before it is ready (its awaitingPosts), nothing else.
        function.Role!.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["dynamodb:UpdateItem"],
            Resources = [_table.TableArn],
            Conditions = new Dictionary<string, object>
            {
                ["ForAllValues:StringLike"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = new[] { PhotoStore.PartitionPrefix + "*" } },
            },
        }));
        AllowObjects(function, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], buckets.Site, "",
            "The site bucket holds the site and nothing else, and the publisher writes all of it: every page's key is made from a post's slug or a tag at publish time.");
        Allow(function, ["s3:ListBucket"], buckets.Site.BucketArn);
        Allow(function, ["cloudfront:CreateInvalidation"],
            $"arn:{stack.Partition}:cloudfront::{stack.Account}:distribution/{edge.Distribution.DistributionId}");
    }

    /// <param name="handler">The one Workers handler this function runs (Workers:Handler): it composes only what that uses.</param>
    private LambdaFunction CreateWorker(string id, string handler, string passThroughPath, Dictionary<string, string> environment,
        int memoryMb = 512, Duration? timeout = null, int? reservedConcurrency = null, IQueue? deadLetterQueue = null)
    {
        environment["Workers__Handler"] = handler;
        environment["AWS_LWA_PASS_THROUGH_PATH"] = passThroughPath;
        // The adapter hands the answer body to Lambda whatever its status; a 5xx must fail the invocation (and retry).
        environment["AWS_LWA_ERROR_STATUS_CODES"] = "500-599";
        // None renders the site at start: the deploy's custom resource has rendered it before any event arrives, so
        // every function is ready as soon as it listens (a cold start costs no bucket read).
        environment["Publishing__BuildOnStart"] = "false";
        return Create(id, "workers", "MyBlog.Workers", memoryMb, timeout ?? Duration.Seconds(60), environment, reservedConcurrency, deadLetterQueue);
    }

    private LambdaFunction Create(string id, string package, string assembly, int memoryMb, Duration timeout,
        Dictionary<string, string> environment, int? reservedConcurrency = null, IQueue? deadLetterQueue = null)
    {
        var logs = new LogGroup(this, $"{id}Logs", new LogGroupProps
        {
            Retention = RetentionDays.ONE_MONTH,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        // Its own role: no managed policy (AWSLambdaBasicExecutionRole allows every log group); its log group only.
        var role = new Role(this, $"{id}Role", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"MyBlog {id} function",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [logs.LogGroupArn],
        }));

        // The app's spans go to X-Ray's OTLP endpoint (MyBlog.ServiceDefaults XRayTraces), as they go to the dashboard locally.
        environment["Telemetry__XRayRegion"] = Stack.Of(this).Region;
        // Each function is its own service in Transaction Search and the trace map (locally: the resource's name).
        environment["OTEL_SERVICE_NAME"] = "myblog-" + string.Concat(id.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["xray:PutSpans", "xray:PutSpansForIndexing"],
            Resources = ["*"],
        }));
        environment["AWS_LWA_PORT"] = AdapterPort;
        environment["AWS_LWA_READINESS_CHECK_PATH"] = "/health";
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var function = new LambdaFunction(this, id, new FunctionProps
        {
            Runtime = Runtime.PROVIDED_AL2023,
            Architecture = _settings.Architecture == "arm64" ? Architecture.ARM_64 : Architecture.X86_64,
            Handler = "bootstrap",
            Code = PackageCode(package),
            MemorySize = memoryMb,
            Timeout = timeout,
            Role = role,
            LogGroup = logs,
            Layers = [LayerVersion.FromLayerVersionArn(this, $"{id}Adapter", _settings.LambdaAdapterLayerArn(Stack.Of(this).Region))],
            Environment = environment,
            ReservedConcurrentExecutions = reservedConcurrency,
            DeadLetterQueue = deadLetterQueue,
            Tracing = Tracing.ACTIVE,
            Description = $"MyBlog {id} ({assembly} on the Lambda Web Adapter)",
        });
        // Active tracing: Lambda's own X-Ray segments (start-up and invocation times); the app's spans go to X-Ray too.
        _nag.Accept(DefaultPolicy(function), "AwsSolutions-IAM5",
            "X-Ray's write actions (PutTraceSegments, PutTelemetryRecords, PutSpans, PutSpansForIndexing) take no resource-level permissions: AWS documents their resource as *.",
            "Resource::*");
        return function;
    }

    /// <summary>One asset per package, shared by the functions that run it (the three workers upload one zip).</summary>
    private AssetCode PackageCode(string package)
    {
        if (!_packages.TryGetValue(package, out var code))
        {
            var directory = Path.Combine(_settings.PackagesDirectory, package);
            if (!File.Exists(Path.Combine(directory, "bootstrap")))
            {
                // Said before the CDK looks for the asset (it would fail deep in jsii with a stack trace).
                throw new ArgumentException(
                    $"The Lambda packages are not built ({directory} has no bootstrap): run `dotnet run --project MyBlog.Infrastructure -- package` first.");
            }
            _packages[package] = code = Code.FromAsset(directory);
        }
        return code;
    }

    /// <summary>A queue nothing receives from: kept 14 days, alarmed on its first message (Monitoring).</summary>
    private Queue EndOfLineQueue(string id) => new(this, id, new QueueProps
    {
        RetentionPeriod = Duration.Days(14),
        EnforceSSL = true,
        Encryption = QueueEncryption.SQS_MANAGED,
    });

    /// <summary>A subscription's queue with its settings, and its dead-letter queue after the maximum receive count.</summary>
    private (Queue Queue, Queue DeadLetters) QueueWithDeadLetters(string name, QueueSubscription subscription)
    {
        var deadLetters = EndOfLineQueue($"{name}DeadLetters");
        var queue = new Queue(this, $"{name}Queue", new QueueProps
        {
            VisibilityTimeout = Duration.Seconds(subscription.VisibilityTimeout.TotalSeconds),
            EnforceSSL = true,
            Encryption = QueueEncryption.SQS_MANAGED,
            DeadLetterQueue = new DeadLetterQueue { Queue = deadLetters, MaxReceiveCount = subscription.MaxReceiveCount },
        });
        return (queue, deadLetters);
    }

    private static void Allow(LambdaFunction function, string[] actions, params string[] resources) =>
        function.Role!.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = actions, Resources = resources }));

    /// <summary>The table's key prefixes, by what they hold: a role may write only the items of the prefixes it owns.</summary>
    private static class Keys
    {
        public const string Posts = PostStore.PartitionPrefix;
        public const string Subscribers = Core.Subscribers.SubscriberKeys.PartitionPrefix;
        public const string SubscriberAliases = Core.Subscribers.SubscriberKeys.AliasPrefix;
        public const string Mailboxes = Core.Subscribers.SubscriberKeys.MailboxPrefix;
        public const string Migrations = "MIGRATION#";
        public const string Photos = PhotoStore.PartitionPrefix;
        public const string Imports = Core.Imports.ImportStore.PartitionPrefix;
        public const string Newsletters = Core.Newsletter.NewsletterStore.PartitionPrefix;
    }

    /// <summary>
    /// Writes to the items whose partition key starts with one of <paramref name="prefixes"/> (IAM's dynamodb:LeadingKeys,
    /// which a transaction's every item must pass as well), and to no other item.
    /// </summary>
    private void AllowWrites(LambdaFunction function, string[] actions, params string[] prefixes) =>
        function.Role!.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = actions,
            Resources = [_table.TableArn],
            Conditions = new Dictionary<string, object>
            {
                ["ForAllValues:StringLike"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = prefixes.Select(p => p + "*").ToArray() },
            },
        }));

    /// <summary>The table (and, for functions that list, its one list index by name; never every index).</summary>
    private void AllowTable(LambdaFunction function, bool withListIndex, params string[] actions) =>
        Allow(function, actions, withListIndex ? [_table.TableArn, $"{_table.TableArn}/index/{MyBlogTable.ListIndex}"] : [_table.TableArn]);

    /// <summary>Objects under <paramref name="prefix"/> of one bucket, accepted as the wildcard it is with <paramref name="reason"/>.</summary>
    private void AllowObjects(LambdaFunction function, string[] actions, Amazon.CDK.AWS.S3.IBucket bucket, string prefix, string reason)
    {
        Allow(function, actions, bucket.ArnForObjects($"{prefix}*"));
        _nag.Accept(DefaultPolicy(function), "AwsSolutions-IAM5", reason, $"Resource::{NagAcceptances.ArnOf(bucket)}/{prefix}*");
    }

    private static IConstruct DefaultPolicy(LambdaFunction function) => function.Role!.Node.FindChild("DefaultPolicy");

    private void AllowParameter(LambdaFunction function, string parameterName)
    {
        var stack = Stack.Of(this);
        Allow(function, ["ssm:GetParameter"], $"arn:{stack.Partition}:ssm:{stack.Region}:{stack.Account}:parameter{parameterName}");
    }

    private static string Rate(double perSecond) => perSecond.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// A recurring EventBridge Scheduler schedule invoking the function with the schedule's input (the adapter passes
    /// it to the function's path). A run the function is too busy for is dropped, not retried: the next one comes.
    /// </summary>
    /// <returns>The role EventBridge Scheduler takes to invoke the function (one-time schedules use it too).</returns>
    private Role Schedule(LambdaFunction function, Core.Schedule schedule)
    {
        var role = new Role(this, $"{function.Node.Id}ScheduleRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("scheduler.amazonaws.com", new ServicePrincipalOpts
            {
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(this).Account },
                },
            }),
            Description = $"EventBridge Scheduler invoking MyBlog {function.Node.Id}",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["lambda:InvokeFunction"], Resources = [function.FunctionArn] }));
        _ = new CfnSchedule(this, $"{function.Node.Id}Schedule", new CfnScheduleProps
        {
            Description = $"MyBlog {schedule.Name}",
            ScheduleExpression = $"rate({(int)schedule.Rate.TotalMinutes} minute{(schedule.Rate.TotalMinutes == 1 ? "" : "s")})",
            FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
            Target = new CfnSchedule.TargetProperty
            {
                Arn = function.FunctionArn,
                RoleArn = role.RoleArn,
                Input = schedule.Input,
                RetryPolicy = new CfnSchedule.RetryPolicyProperty { MaximumRetryAttempts = 0 },
            },
        });
        return role;
    }

    /// <summary>
    /// What the stack's one-time schedules are named from: the stack's name, so two blogs in one account do not
    /// share them, short enough that "{prefix}-publish-{32 hex}" fits Scheduler's 64 characters.
    /// </summary>
    /// <summary>A stack property as cdk-nag prints it in a finding: its value, or the pseudo parameter it stands for.</summary>
    private static string NagText(string value, string pseudoParameter) => Token.IsUnresolved(value) ? $"<{pseudoParameter}>" : value;

    public static string SchedulePrefix(string stackName) => stackName.Length <= 20 ? stackName : stackName[..20];

    /// <summary>A stream subscription as an event source mapping, with the filters and limits LocalAws applies.</summary>
    private void Subscribe(LambdaFunction function, TableV2 table, StreamSubscription subscription)
    {
        var streamArn = table.TableStreamArn ?? throw new InvalidOperationException("The table has no stream.");
        // Stream reads without CDK's grant, which adds dynamodb:ListStreams on every resource.
        Allow(function, ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], streamArn);
        Allow(function, ["dynamodb:ListStreams"], $"{table.TableArn}/stream/*");
        _nag.Accept(DefaultPolicy(function), "AwsSolutions-IAM5",
            "dynamodb:ListStreams names this table's streams by the table/{name}/stream/* form, the narrowest IAM allows for it (the stream's label is made when the table is); every other stream read names the one stream ARN.",
            $"Resource::{NagAcceptances.ArnOf(table)}/stream/*");
        _ = new EventSourceMapping(this, $"{subscription.Name}-stream", new EventSourceMappingProps
        {
            Target = function,
            EventSourceArn = streamArn,
            StartingPosition = StartingPosition.LATEST,
            BatchSize = subscription.BatchSize,
            MaxBatchingWindow = subscription.MaximumBatchingWindow > TimeSpan.Zero ? Duration.Seconds(Math.Ceiling(subscription.MaximumBatchingWindow.TotalSeconds)) : null,
            BisectBatchOnError = subscription.BisectBatchOnFunctionError,
            RetryAttempts = subscription.MaximumRetryAttempts,
            ReportBatchItemFailures = true,
            OnFailure = new SqsDlq(StreamFailures),
            Filters = subscription.FilterPatterns.Select(pattern => (IDictionary<string, object>)new Dictionary<string, object> { ["pattern"] = pattern }).ToArray(),
        });
    }
}
