using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Route53;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SSM;
using Amazon.CDK.CustomResources;
using Constructs;

namespace MyBlog.Infrastructure;

/// <summary>
/// Every region's API under one name, <c>api.domainName</c>, which CloudFront's /api/* origin is: each region adds its
/// API (a custom domain with a certificate of its own region) to a latency record set in Route 53, with a health check
/// of its own. Route 53 answers each resolver — a CloudFront edge, here — with the nearest region whose check passes,
/// so every request, writes included, goes to a region that is up, and nobody has to decide that one is down. The
/// check asks the API's <c>/health/region</c> (which reads the region's table) every 30 seconds from Route 53's
/// checkers around the world; three failures in a row take the region out, one success brings it back.
/// </summary>
public sealed class ApiFailover : Construct
{
    public const string HealthPath = MyBlog.Core.HealthPaths.Region;
    public const int HealthInterval = 30;
    public const int HealthFailures = 3;

    public CfnHealthCheck Health { get; }

    public ApiFailover(Construct scope, string id, StackSettings settings, PublicApi api) : base(scope, id)
    {
        var region = Stack.Of(this).Region;
        var zone = HostedZone.FromHostedZoneAttributes(this, "Zone", new HostedZoneAttributes
        {
            HostedZoneId = settings.HostedZoneId!,
            ZoneName = settings.HostedZoneName!,
        });
        // A regional API's custom domain takes a certificate of its own region (CloudFront's is in us-east-1).
        var certificate = new Certificate(this, "Certificate", new CertificateProps
        {
            DomainName = settings.ApiDomainName,
            Validation = CertificateValidation.FromDns(zone),
        });
        var domain = new DomainName(this, "Domain", new DomainNameProps
        {
            DomainName = settings.ApiDomainName,
            Certificate = certificate,
            SecurityPolicy = SecurityPolicy.TLS_1_2,
        });
        _ = new ApiMapping(this, "Mapping", new ApiMappingProps { Api = api.HttpApi, DomainName = domain });
        // The check calls the region's API on its own address: Route 53's checkers send no origin secret, and the API
        // answers its health paths without one.
        Health = new CfnHealthCheck(this, "Health", new CfnHealthCheckProps
        {
            HealthCheckConfig = new CfnHealthCheck.HealthCheckConfigProperty
            {
                Type = "HTTPS",
                FullyQualifiedDomainName = api.Domain,
                ResourcePath = HealthPath,
                Port = 443,
                EnableSni = true,
                RequestInterval = HealthInterval,
                FailureThreshold = HealthFailures,
            },
            HealthCheckTags = new object[] { new CfnHealthCheck.HealthCheckTagProperty { Key = "Name", Value = $"MyBlog API in {region}" } },
        });
        _ = new CfnRecordSet(this, "Latency", new CfnRecordSetProps
        {
            HostedZoneId = zone.HostedZoneId,
            Name = settings.ApiDomainName,
            Type = "A",
            SetIdentifier = region,
            Region = region,
            HealthCheckId = Health.AttrHealthCheckId,
            AliasTarget = new CfnRecordSet.AliasTargetProperty
            {
                DnsName = domain.RegionalDomainName,
                HostedZoneId = domain.RegionalHostedZoneId,
                EvaluateTargetHealth = true,
            },
        });
    }
}

/// <summary>
/// What a replica region's stack needs from the home region's: the table's name (its replica here has the same
/// name), this region's replica's stream, and the distribution (the publisher invalidates it; the media bucket lets
/// it read). The home stack writes the first two to Parameter Store in its region; here they are read once at
/// deploy, with the replica's stream, by CDK's SDK-call resource. Nothing here is read at run time: a region serves
/// on its own when the home region is gone.
/// </summary>
public sealed class HomeRegionValues : Construct
{
    public const string TableNameValue = "table-name";
    public const string DistributionIdValue = "distribution-id";

    /// <summary>The parameter the home stack writes a value to: under its own name, so two blogs in one account do not meet.</summary>
    public static string ParameterName(string homeStackName, string value) => $"/{homeStackName}/{value}";

    /// <summary>This region's replica of the table, with its stream.</summary>
    public ITableV2 Table { get; }

    public string DistributionId { get; }

    /// <summary>The replica's ARN as cdk-nag prints it in a finding.</summary>
    public string TableArnForNag { get; }

    public HomeRegionValues(Construct scope, string id, StackSettings settings, string homeStackName, NagAcceptances nag) : base(scope, id)
    {
        var stack = Stack.Of(this);
        string Read(string value, string construct)
        {
            var name = ParameterName(homeStackName, value);
            var read = new AwsCustomResource(this, construct, new AwsCustomResourceProps
            {
                OnUpdate = new AwsSdkCall
                {
                    Service = "SSM",
                    Action = "getParameter",
                    Region = settings.HomeRegion,
                    Parameters = new Dictionary<string, object> { ["Name"] = name },
                    PhysicalResourceId = PhysicalResourceId.Of(name),
                    OutputPaths = ["Parameter.Value"],
                },
                Policy = AwsCustomResourcePolicy.FromStatements(
                [
                    new PolicyStatement(new PolicyStatementProps
                    {
                        Actions = ["ssm:GetParameter"],
                        Resources = [$"arn:{stack.Partition}:ssm:{settings.HomeRegion}:{stack.Account}:parameter{name}"],
                    }),
                ]),
                InstallLatestAwsSdk = false,
            });
            return read.GetResponseField("Parameter.Value");
        }

        var tableName = Read(TableNameValue, "TableName");
        TableArnForNag = $"arn:<AWS::Partition>:dynamodb:{stack.Region}:<AWS::AccountId>:table/{NagAcceptances.ResponseFieldOf(Node.FindChild("TableName"), "Parameter.Value")}";
        DistributionId = Read(DistributionIdValue, "DistributionId");
        var replica = new AwsCustomResource(this, "ReplicaStream", new AwsCustomResourceProps
        {
            OnUpdate = new AwsSdkCall
            {
                Service = "DynamoDB",
                Action = "describeTable",
                Parameters = new Dictionary<string, object> { ["TableName"] = tableName },
                PhysicalResourceId = PhysicalResourceId.Of($"{homeStackName}-replica-stream"),
                OutputPaths = ["Table.LatestStreamArn"],
            },
            Policy = AwsCustomResourcePolicy.FromStatements(
            [
                new PolicyStatement(new PolicyStatementProps
                {
                    Actions = ["dynamodb:DescribeTable"],
                    Resources = [$"arn:{stack.Partition}:dynamodb:{stack.Region}:{stack.Account}:table/{tableName}"],
                }),
            ]),
            InstallLatestAwsSdk = false,
        });
        Table = TableV2.FromTableAttributes(this, "Table", new TableAttributesV2
        {
            TableName = tableName,
            TableStreamArn = replica.GetResponseField("Table.LatestStreamArn"),
        });
        nag.AcceptSdkCallProvider(stack);
    }

    /// <summary>The home stack's side: the values a replica region's stack reads, in Parameter Store.</summary>
    public static void Publish(Stack home, string tableName, string distributionId)
    {
        _ = new StringParameter(home, "RegionsTableName", new StringParameterProps
        {
            ParameterName = ParameterName(home.StackName, TableNameValue),
            StringValue = tableName,
            Description = "MyBlog: the global table's name, which the other regions' stacks read",
        });
        _ = new StringParameter(home, "RegionsDistributionId", new StringParameterProps
        {
            ParameterName = ParameterName(home.StackName, DistributionIdValue),
            StringValue = distributionId,
            Description = "MyBlog: the distribution, which the other regions' publishers invalidate",
        });
    }
}

/// <summary>
/// The media buckets copied across regions: every region's bucket replicates to every other's (S3 replication, one
/// rule per destination, deletions included), so a photo made in any region is served from any. Replication can only
/// be set on a bucket once its destinations exist, and each region's bucket is made by its own stack, so the rules
/// are set by this stack — deployed after every region's — through S3's API, and removed with it.
/// </summary>
public sealed class MediaReplicationStack : Stack
{
    public const string StackNameSuffix = "-media-replication";

    public Role Role { get; }

    public MediaReplicationStack(Construct scope, string id, StackSettings settings, string homeMediaBucketName, IStackProps props) : base(scope, id, props)
    {
        var nag = new NagAcceptances();
        var buckets = settings.Regions
            .Select(region => (Region: region, Name: region == settings.HomeRegion ? homeMediaBucketName : Buckets.MediaBucketNameIn(Account, region)))
            .ToList();
        string Arn(string bucket) => $"arn:{Partition}:s3:::{bucket}";

        Role = new Role(this, "ReplicationRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("s3.amazonaws.com", new ServicePrincipalOpts
            {
                Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Account } },
            }),
            Description = "S3 copying MyBlog's media between its regions",
        });
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            Resources = [.. buckets.Select(b => Arn(b.Name))],
        }));
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging",
                "s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            Resources = [.. buckets.Select(b => Arn(b.Name) + "/*")],
        }));
        // The home region's bucket is named through the home stack's export, which cdk-nag prints as the export's name.
        nag.AcceptMatching(Role.Node.FindChild("DefaultPolicy"), "AwsSolutions-IAM5",
            "S3 replication reads and writes object versions by key: its actions name every object of the media buckets (and only of those), as AWS's replication guide does.",
            $"/^Resource::arn:<AWS::Partition>:s3:::(myblog-media-<AWS::AccountId>-[a-z0-9-]+|{MyBlogApp.StackName}:ExportsOutputRefBucketsMedia[0-9A-F]+)\\/\\*$/");

        foreach (var source in buckets)
        {
            var rules = buckets.Where(b => b != source).Select((destination, priority) => new Dictionary<string, object>
            {
                ["ID"] = $"to-{destination.Region}",
                ["Priority"] = priority,
                ["Status"] = "Enabled",
                ["Filter"] = new Dictionary<string, object> { ["Prefix"] = "" },
                ["DeleteMarkerReplication"] = new Dictionary<string, object> { ["Status"] = "Enabled" },
                ["Destination"] = new Dictionary<string, object> { ["Bucket"] = Arn(destination.Name) },
            }).ToArray();
            _ = new AwsCustomResource(this, $"From{Functions.Pascal(source.Region)}", new AwsCustomResourceProps
            {
                OnUpdate = new AwsSdkCall
                {
                    Service = "S3",
                    Action = "putBucketReplication",
                    Region = source.Region,
                    Parameters = new Dictionary<string, object>
                    {
                        ["Bucket"] = source.Name,
                        ["ReplicationConfiguration"] = new Dictionary<string, object> { ["Role"] = Role.RoleArn, ["Rules"] = rules },
                    },
                    PhysicalResourceId = PhysicalResourceId.Of($"{source.Name}-replication"),
                },
                OnDelete = new AwsSdkCall
                {
                    Service = "S3",
                    Action = "deleteBucketReplication",
                    Region = source.Region,
                    Parameters = new Dictionary<string, object> { ["Bucket"] = source.Name },
                },
                Policy = AwsCustomResourcePolicy.FromStatements(
                [
                    new PolicyStatement(new PolicyStatementProps { Actions = ["s3:PutReplicationConfiguration"], Resources = [Arn(source.Name)] }),
                    new PolicyStatement(new PolicyStatementProps { Actions = ["iam:PassRole"], Resources = [Role.RoleArn] }),
                ]),
                InstallLatestAwsSdk = false,
            });
        }
        nag.AcceptSdkCallProvider(this);
    }
}
