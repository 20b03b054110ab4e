using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Storage;

namespace MyBlog.LocalAws.Provisioning;

/// <summary>
/// Creates the table (with its stream) in DynamoDB Local from <see cref="MyBlogTable"/>, the definition the CDK
/// stack also uses. Idempotent: an existing table is kept. LocalAws reports healthy only once the table is active,
/// so the services that wait for it never meet a missing table.
/// </summary>
public sealed class TableProvisioner(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options, ILogger<TableProvisioner> logger)
    : BackgroundService, IHealthCheck
{
    private readonly TaskCompletionSource<string> _streamArn = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the table's stream ARN once the table is ready.</summary>
    public Task<string> StreamArn => _streamArn.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var table = options.Value.TableName;
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                _streamArn.TrySetResult(await EnsureTableAsync(table, stoppingToken));
                logger.LogInformation("Table {Table} is ready", table);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Provisioning table {Table} failed (attempt {Attempt}); retrying", table, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), stoppingToken);
            }
        }
    }

    private async Task<string> EnsureTableAsync(string table, CancellationToken ct)
    {
        try
        {
            await dynamo.CreateTableAsync(MyBlogTable.CreateTableRequest(table), ct);
            logger.LogInformation("Created table {Table}", table);
        }
        catch (ResourceInUseException)
        {
            logger.LogInformation("Table {Table} already exists", table);
        }

        while (true)
        {
            var description = (await dynamo.DescribeTableAsync(table, ct)).Table;
            if (description.TableStatus == TableStatus.ACTIVE && description.LatestStreamArn is { } arn)
            {
                if (await AddDirectoryIndexAsync(description, ct))
                {
                    continue;
                }
                await EnableTimeToLiveAsync(table, ct);
                return arn;
            }
            await Task.Delay(200, ct);
        }
    }

    /// <summary>Time to live on the table's <see cref="MyBlogTable.TimeToLive"/> attribute, as the stack turns it on.</summary>
    private async Task EnableTimeToLiveAsync(string table, CancellationToken ct)
    {
        try
        {
            var current = await dynamo.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table }, ct);
            if (current.TimeToLiveDescription?.TimeToLiveStatus == TimeToLiveStatus.ENABLED)
            {
                return;
            }
            await dynamo.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
            {
                TableName = table,
                TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = MyBlogTable.TimeToLive, Enabled = true },
            }, ct);
        }
        catch (AmazonDynamoDBException ex)
        {
            // Nothing depends on it: every reader of such an item checks its end itself.
            logger.LogWarning(ex, "Time to live could not be turned on for {Table}; expired items stay until deleted", table);
        }
    }

    /// <summary>
    /// A table kept from an earlier version (a data directory that outlives runs) gains the directory index, as the
    /// stack's update does on AWS. True when it was asked for (the table is then updating).
    /// </summary>
    private async Task<bool> AddDirectoryIndexAsync(TableDescription description, CancellationToken ct)
    {
        if (description.GlobalSecondaryIndexes?.Any(i => i.IndexName == MyBlogTable.DirectoryIndex) == true)
        {
            return false;
        }
        var definition = MyBlogTable.DirectoryIndexDefinition;
        await dynamo.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = description.TableName,
            AttributeDefinitions =
            [
                new AttributeDefinition(MyBlogTable.DirectoryPartitionKey, ScalarAttributeType.S),
                new AttributeDefinition(MyBlogTable.DirectorySortKey, ScalarAttributeType.S),
            ],
            GlobalSecondaryIndexUpdates =
            [
                new GlobalSecondaryIndexUpdate
                {
                    Create = new CreateGlobalSecondaryIndexAction
                    {
                        IndexName = definition.IndexName,
                        KeySchema = definition.KeySchema,
                        Projection = definition.Projection,
                    },
                },
            ],
        }, ct);
        logger.LogInformation("Added the directory index to table {Table}", description.TableName);
        return true;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(StreamArn.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy("Table and stream are ready")
            : HealthCheckResult.Unhealthy("Table not provisioned yet"));
}
