using MyBlog.Core.Imports;
using MyBlog.Core.Newsletter;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Storage;
using MyBlog.Core.Subscribers;
using static MyBlog.Aws.Functions.TableAccess;

namespace MyBlog.Aws.Functions;

/// <summary>
/// Every function MyBlog runs, declared once. The Workers host serves the handler each names, LocalAws delivers
/// their triggers, the CDK stack makes each function with its role, trigger and alarm, and the tests check all of
/// them against this table. A new function is a row here and its handler in MyBlog.Workers.
/// </summary>
public static class AwsFunctions
{
    /// <summary>The configuration key naming the one handler a Workers process serves (the stack sets it per function).</summary>
    public const string HandlerKey = "Workers:Handler";

    /// <summary>The newsletter's batches of recipients: planned from the stream and by the sweep, sent at the newsletter's pace.</summary>
    public const string NewsletterQueue = "newsletter";

    /// <summary>The table's key prefixes, by what they hold: a function writes only the items of the prefixes it owns.</summary>
    public static class Keys
    {
        public const string Posts = PostStore.PartitionPrefix;
        public const string Subscribers = SubscriberKeys.PartitionPrefix;
        public const string SubscriberAliases = SubscriberKeys.AliasPrefix;
        public const string Mailboxes = SubscriberKeys.MailboxPrefix;
        public const string Migrations = "MIGRATION#";

        /// <summary>The site's settings: one item, not a prefix.</summary>
        public const string SiteSettings = Core.Settings.SettingsStore.PartitionKey;

        /// <summary>The subscriber counts the author's page shows: one item, not a prefix.</summary>
        public const string SubscriberCounts = SubscriberTally.PartitionKey;
        public const string Photos = PhotoStore.PartitionPrefix;
        public const string Imports = ImportStore.PartitionPrefix;
        public const string Newsletters = NewsletterStore.PartitionPrefix;

        /// <summary>The regions' heartbeats: one partition, an item per region (MyBlog.Core RegionPresence).</summary>
        public const string Regions = Core.Regions.RegionPresence.PartitionKey;

        /// <summary>The staff: the partition listing everyone (one key), each person's sessions, keys and passkeys, and the address items.</summary>
        public const string StaffMembers = Core.Staff.StaffStore.MembersPartition;
        public const string StaffPeople = Core.Staff.StaffStore.PersonPrefix;
        public const string StaffAddresses = Core.Staff.StaffStore.EmailPrefix;

        /// <summary>Sign-in emails asked for, and the one-time links they carry.</summary>
        public const string SignInRequests = Core.Staff.SignInLinks.RequestPrefix;
        public const string SignInLinks = Core.Staff.SignInLinks.LinkPrefix;

        /// <summary>Passkey ceremonies' challenges, each taken once.</summary>
        public const string PasskeyChallenges = Core.Staff.PasskeyStore.ChallengePrefix;

        /// <summary>The publisher's lock on the site: one item, not a prefix.</summary>
        public const string PublisherLock = MyBlogTable.PublisherLockPartitionKey;
    }

    /// <summary>The public API: readers' and the author's requests, through API Gateway (and CloudFront before it).</summary>
    public static readonly FunctionDeclaration Api = new(
        Name: "api",
        Package: Package.Api,
        Path: "/",
        Trigger: new HttpTrigger(),
        Timeout: TimeSpan.FromSeconds(15),
        Access: new Access
        {
            // Everything the author and the readers write: posts (and their schedules), subscribers (their mailboxes'
            // turns, and moving them to keyed ids), photos, imports, newsletter jobs — never the publisher's lock.
            // The author's list of subscribers, and erasing one (its mailbox's turns and its newsletter markers too).
            Table = new([GetItem, Query, BatchGetItem],
                [TableWrites.All(Keys.Posts, Keys.Subscribers, Keys.SubscriberAliases, Keys.Mailboxes, Keys.Photos, Keys.Imports, Keys.Newsletters,
                    Keys.SubscriberCounts, Keys.SiteSettings,
                    // The staff, their sessions, keys and passkeys; sign-in emails asked for; links redeemed; passkey challenges.
                    Keys.StaffMembers, Keys.StaffPeople, Keys.StaffAddresses, Keys.SignInRequests, Keys.SignInLinks, Keys.PasskeyChallenges)])
            {
                QueriesDirectoryIndex = true,
            },
            Objects =
            [
                // Presigned upload URLs are signed with the API's credentials: it may put originals and archives, nothing else.
                new(BucketRole.Uploads, Photo.OriginalsPrefix, ["s3:PutObject", "s3:PutObjectTagging"],
                    "Photo originals are named by an id made at upload time (uploads/{photoId}/original); the API signs uploads to that prefix of this stack's bucket and nothing else."),
                new(BucketRole.Uploads, ImportJob.ArchivesPrefix, ["s3:PutObject"],
                    "Archives are named by an id made when the author declares one (imports/{importId}/archive.zip); the API signs uploads to that prefix of this stack's bucket and nothing else."),
                // CloudFront's fallback for site pages its bucket origin could not answer: the page, or the site's 404 page.
                new(BucketRole.Site, "", ["s3:GetObject"],
                    "CloudFront falls back to the API for site paths the bucket could not answer; it reads the page (or the 404 page) of this stack's site bucket, refusing the publisher's own files by name."),
            ],
            Secrets = [Secret.SetupCode, Secret.OriginSecret, Secret.LinkKey, Secret.IdKey],
            // The author's test copy of a newsletter.
            SendsTo = [NewsletterQueue],
            SchedulesFunction = "publish-due",
        },
        Settings: new Dictionary<string, string>
        {
            ["Uploads:TransferAcceleration"] = "true",
            // CloudFront's fallback for site pages its bucket origin could not answer.
            ["SiteFallback:Enabled"] = "true",
        });

    /// <summary>The stream's fast attempt at each owed welcome; the sweep delivers whatever it does not.</summary>
    public static readonly FunctionDeclaration WelcomeMail = new(
        Name: "welcome-mail",
        Package: Package.Workers,
        Path: "/events/welcome-mail",
        Trigger: new StreamTrigger(
            FilterPatterns: [StreamFilters.NewSubscriber, StreamFilters.WelcomeOwedAgain],
            BatchSize: 10,
            // A welcome email should not wait for company: deliver as soon as a record arrives.
            MaximumBatchingWindow: TimeSpan.Zero,
            MaximumRetryAttempts: 10,
            BisectBatchOnFunctionError: true),
        Access: new Access
        {
            // It reads its region's heartbeat (a region back from an absence waits before sending) and each claim it verifies.
            Table = new([GetItem], [TableWrites.Updates(Keys.Subscribers)]),
            Secrets = [Secret.IdKey],
        },
        // A twentieth of the rate is the staff's sign-in links'.
        Mail: new MailShare(ShareOfSendRate: 0.2, Instances: 2),
        // Stop starting sends with a whole send (30 s) and a margin left of the 60 s timeout.
        Settings: new Dictionary<string, string> { ["Mail:BatchBudget"] = "00:00:25" },
        Recovery: "the welcome sweep delivers whatever is still owed");

    /// <summary>Every minute: owed welcomes that are due, subscribers moving to keyed ids, newsletters whose planner stopped.</summary>
    public static readonly FunctionDeclaration WelcomeSweep = new(
        Name: "welcome-sweep",
        Package: Package.Workers,
        Path: "/events/welcome-sweep",
        Trigger: new ScheduleTrigger(TimeSpan.FromMinutes(1)),
        Timeout: TimeSpan.FromMinutes(3),
        Access: new Access
        {
            // It also goes on planning a newsletter whose planner stopped: the planner's rights too.
            // With regions it is also the region's heartbeat, and takes over a lost region's welcomes (each takeover in a
            // transaction that checks the lost region's heartbeat).
            // And it files earlier subscribers and jobs in the directory index, and recounts the author's counts from it.
            Table = new([Query, GetItem, Scan],
                [TableWrites.All(Keys.Subscribers, Keys.SubscriberAliases, Keys.Migrations, Keys.Regions, Keys.SubscriberCounts), TableWrites.Updates(Keys.Newsletters),
                    new TableWrites([TableWrites.ConditionCheck], [Keys.Regions])])
            {
                QueriesDirectoryIndex = true,
            },
            Secrets = [Secret.IdKey],
            SendsTo = [NewsletterQueue],
        },
        Mail: new MailShare(ShareOfSendRate: 0.25, Instances: 1),
        Settings: new Dictionary<string, string> { ["Mail:SweepBudget"] = "00:02:00" },
        Recovery: "the next minute's schedule runs it again, and what it owes lives in the table");

    /// <summary>
    /// Sized from the rebuild benchmark: a 5,000-post rebuild renders 5,500 pages in about 17 s on one local core and
    /// fits a 384 MB heap; 1 GB gives the function over half a vCPU (Lambda's CPU follows memory), so such a rebuild
    /// takes well under a minute, and three minutes leave room for a site several times larger.
    /// </summary>
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The publisher's rights: read posts and photos, hold its lock, note the photos it waits for, write the site, invalidate.</summary>
    private static readonly Access Publishing = new()
    {
        Table = new([GetItem, Query, BatchGetItem],
            [new TableWrites([TableWrites.Put, TableWrites.Delete], [Keys.PublisherLock]), TableWrites.Updates(Keys.Photos)]),
        Objects =
        [
            new(BucketRole.Site, "", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                "The site bucket holds the site and nothing else, and the publisher writes all of it: every page's key is made from a post's slug or a tag at publish time."),
        ],
        InvalidatesCdn = true,
    };

    /// <summary>The publisher's hold on the site outlasts its timeout, so a live publisher never loses it.</summary>
    private static readonly IReadOnlyDictionary<string, string> PublishingSettings =
        new Dictionary<string, string> { ["Publishing:LockLease"] = (PublishTimeout + TimeSpan.FromMinutes(1)).ToString("c", System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>Published posts changed, or a photo they wait for became ready: one site update per batch.</summary>
    public static readonly FunctionDeclaration Publish = new(
        Name: "publish",
        Package: Package.Workers,
        Path: "/events/publish",
        Trigger: new StreamTrigger(
            FilterPatterns: [StreamFilters.PublishedPost, StreamFilters.UnpublishedPost, StreamFilters.PhotoReady, StreamFilters.SiteSettings],
            BatchSize: 100,
            // A burst of edits is published as one site update. Lambda counts the window in whole seconds.
            MaximumBatchingWindow: TimeSpan.FromSeconds(1),
            MaximumRetryAttempts: 10,
            BisectBatchOnFunctionError: false),
        MemoryMb: 1024,
        Timeout: PublishTimeout,
        Access: Publishing,
        Settings: PublishingSettings);

    /// <summary>Each deploy of a new workers package rebuilds the site (templates, editor) with the code just deployed.</summary>
    public static readonly FunctionDeclaration SiteDeployment = new(
        Name: "site-deployment",
        Package: Package.Workers,
        Path: "/events/site-deployment",
        Trigger: new DeployTrigger("Custom::MyBlogSite"),
        MemoryMb: 1024,
        Timeout: PublishTimeout,
        Access: Publishing,
        Settings: PublishingSettings);

    /// <summary>S3 ObjectCreated under uploads/ → the photo's variants and record.</summary>
    public static readonly FunctionDeclaration Thumbnails = new(
        Name: "thumbnails",
        Package: Package.Workers,
        Path: "/events/thumbnails",
        // Each photo is seconds of CPU; small batches keep one slow photo from holding many others back.
        Trigger: new QueueTrigger("thumbnails", BatchSize: 5, VisibilityTimeout: TimeSpan.FromMinutes(6), MaxReceiveCount: 5,
            Source: new BucketEvents(BucketRole.Uploads, Photo.OriginalsPrefix)),
        MemoryMb: 1024,
        Access: new Access
        {
            Table = new([GetItem], [TableWrites.Updates(Keys.Photos)]),
            Objects =
            [
                new(BucketRole.Uploads, Photo.OriginalsPrefix, ["s3:GetObject", "s3:PutObjectTagging"],
                    "The worker reads whichever original an upload event names, all under uploads/ of this stack's bucket, each named by a photo id made at upload time."),
                new(BucketRole.Media, "media/", ["s3:PutObject"],
                    "Variants are written under media/{photoId}/ of this stack's media bucket, named by ids made at upload time."),
            ],
        });

    /// <summary>
    /// An uploaded blog archive → its posts and images. One archive per invocation: a thousand posts with their
    /// images take minutes, so the function may run Lambda's full 15 with the archive (≤ 200 MB) on its disk, and the
    /// message stays hidden six times as long, as AWS asks.
    /// </summary>
    public static readonly FunctionDeclaration Imports = new(
        Name: "imports",
        Package: Package.Workers,
        Path: "/events/imports",
        Trigger: new QueueTrigger("imports", BatchSize: 1, VisibilityTimeout: TimeSpan.FromMinutes(90), MaxReceiveCount: 3,
            Source: new BucketEvents(BucketRole.Uploads, ImportJob.ArchivesPrefix)),
        MemoryMb: 1024,
        Timeout: TimeSpan.FromMinutes(15),
        EphemeralStorageMb: 1024,
        Access: new Access
        {
            // It writes posts (with their schedule items), photos, subscribers from a list and its own record, all through
            // the table's key; a subscriber still under its first, unkeyed id moves to its keyed one first.
            Table = new([GetItem], [TableWrites.All(Keys.Posts, Keys.Photos, Keys.Imports, Keys.Subscribers, Keys.SubscriberAliases)]),
            Objects =
            [
                new(BucketRole.Uploads, ImportJob.ArchivesPrefix, ["s3:GetObject", "s3:DeleteObject"],
                    "The worker reads (and then deletes) whichever archive or subscriber list an upload event names, all under imports/ of this stack's bucket, each named by an import id made at upload time."),
                new(BucketRole.Uploads, Photo.OriginalsPrefix, ["s3:PutObject", "s3:PutObjectTagging"],
                    "An archive's images become photos as the editor's uploads do: originals under uploads/{photoId}/, named by a hash of their bytes."),
            ],
            // A subscriber's id is keyed by the id key.
            Secrets = [Secret.IdKey],
        });

    /// <summary>A post's newsletter job created (its first publication) or retried → its recipients queued in batches.</summary>
    public static readonly FunctionDeclaration NewsletterPlan = new(
        Name: "newsletter-plan",
        Package: Package.Workers,
        Path: "/events/newsletter-plan",
        Trigger: new StreamTrigger(
            FilterPatterns: [StreamFilters.NewsletterJob, StreamFilters.NewsletterRetry],
            BatchSize: 1,
            MaximumBatchingWindow: TimeSpan.Zero,
            MaximumRetryAttempts: 10,
            BisectBatchOnFunctionError: false),
        Timeout: TimeSpan.FromMinutes(5),
        Access: new Access
        {
            // It reads the job, scans for confirmed subscribers (the table holds nothing a planner may not read), records its progress.
            Table = new([GetItem, Scan], [TableWrites.Updates(Keys.Newsletters)]),
            Secrets = [Secret.IdKey],
            SendsTo = [NewsletterQueue],
        },
        Recovery: "the sweep resumes any newsletter whose planning stopped");

    /// <summary>
    /// Newsletter batches (50 recipients each) → the emails. One message per invocation: 50 emails at the function's
    /// share of SES's rate take seconds, and a failure retries only them.
    /// </summary>
    public static readonly FunctionDeclaration NewsletterSend = new(
        Name: "newsletter-send",
        Package: Package.Workers,
        Path: "/events/newsletter",
        // Two senders at once, each at its share of SES's rate (reserved concurrency on AWS, the same cap locally).
        Trigger: new QueueTrigger(NewsletterQueue, BatchSize: 1, VisibilityTimeout: TimeSpan.FromMinutes(12), MaxReceiveCount: 5,
            MaximumConcurrency: 2, UrlSetting: "Newsletter:QueueUrl"),
        Timeout: TimeSpan.FromMinutes(2),
        Access: new Access
        {
            // Reads the post, its photos and each subscriber; claims and closes recipients (a transaction of updates);
            // a bounce stops mail to the subscriber (moving it to its keyed id first).
            Table = new([GetItem, BatchGetItem],
                [TableWrites.Updates(Keys.Newsletters), TableWrites.All(Keys.Subscribers, Keys.SubscriberAliases)]),
            Secrets = [Secret.IdKey, Secret.LinkKey],
        },
        Mail: new MailShare(ShareOfSendRate: 0.5, Instances: 2),
        Recovery: "the recipients' markers make a redrive send nobody twice");

    /// <summary>Sign-in links and invitations asked for (through the stream) → an email to a person on the staff.</summary>
    public static readonly FunctionDeclaration StaffMail = new(
        Name: "staff-mail",
        Package: Package.Workers,
        Path: "/events/staff-mail",
        Trigger: new StreamTrigger(
            FilterPatterns: [StreamFilters.SignInMail],
            BatchSize: 10,
            // Someone is waiting at the sign-in page.
            MaximumBatchingWindow: TimeSpan.Zero,
            MaximumRetryAttempts: 5,
            BisectBatchOnFunctionError: true),
        Timeout: TimeSpan.FromSeconds(30),
        Access: new Access
        {
            // Finds the person by address, notes their turn, makes the link and forgets the request.
            Table = new([GetItem], [TableWrites.Updates(Keys.StaffMembers), new TableWrites([TableWrites.Put], [Keys.SignInLinks]),
                new TableWrites([TableWrites.Delete], [Keys.SignInRequests])]),
        },
        Mail: new MailShare(ShareOfSendRate: 0.05, Instances: 1),
        Recovery: "whoever asked asks again: a link is worth nothing after 15 minutes");

    /// <summary>SES's bounces and complaints (through the stack's feedback topic) → no more mail to those addresses.</summary>
    public static readonly FunctionDeclaration MailFeedback = new(
        Name: "mail-feedback",
        Package: Package.Workers,
        Path: "/events/mail-feedback",
        Trigger: new TopicTrigger("MailFeedback"),
        Timeout: TimeSpan.FromSeconds(30),
        Access: new Access
        {
            Table = new([GetItem], [TableWrites.All(Keys.Subscribers, Keys.SubscriberAliases)]),
            Secrets = [Secret.IdKey],
        });

    /// <summary>
    /// Scheduled posts whose time has come are published: each post's one-time schedule (made by the API) at its
    /// time, and a run every minute that catches anything a one-time schedule missed.
    /// </summary>
    public static readonly FunctionDeclaration PublishDue = new(
        Name: "publish-due",
        Package: Package.Workers,
        Path: "/events/publish-due",
        Trigger: new ScheduleTrigger(TimeSpan.FromMinutes(1)),
        Access: new Access
        {
            // Publishes as the API does: the post, its schedule item and, on a first publication, the newsletter job, in one transaction.
            Table = new([GetItem, Query], [new TableWrites([TableWrites.Put, TableWrites.Delete], [Keys.Posts, Keys.Newsletters])]),
        },
        Recovery: "the next minute's run publishes whatever is due, and a due post lives in the table until it is published");

    public static IReadOnlyList<FunctionDeclaration> All { get; } =
        [Api, WelcomeMail, WelcomeSweep, Publish, SiteDeployment, Thumbnails, Imports, NewsletterPlan, NewsletterSend, MailFeedback, PublishDue, StaffMail];

    public static IEnumerable<FunctionDeclaration> Workers => All.Where(f => f.Package == Package.Workers);

    public static IEnumerable<(FunctionDeclaration Function, T Trigger)> Triggered<T>() where T : Trigger =>
        All.Where(f => f.Trigger is T).Select(f => (f, (T)f.Trigger));

    /// <summary>The function of <paramref name="name"/>, or null.</summary>
    public static FunctionDeclaration? Named(string? name) => All.FirstOrDefault(f => f.Name == name);
}
