using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using MyBlog.Aws.Functions;
using MyBlog.ServiceDefaults;

namespace MyBlog.Infrastructure;

public enum PreflightStatus
{
    Ok,
    Warning,
    Failed,
}

/// <summary>One check of the account: what was found, and when something is in the way, what to do about it.</summary>
public sealed record PreflightLine(PreflightStatus Status, string Check, string Found, string? Fix = null)
{
    public override string ToString()
    {
        var mark = Status switch { PreflightStatus.Ok => "ok  ", PreflightStatus.Warning => "warn", _ => "FAIL" };
        return $"{mark} {Check}: {Found}{(Fix is null ? "" : $" → {Fix}")}";
    }
}

/// <summary>
/// What a first deploy meets in the account, read before anything is packaged or deployed, one line per check with
/// its fix: credentials and the account; the CDK bootstrap in every region the stack uses; the parameters the functions
/// read; Lambda's concurrency quota against what the stack would reserve; SES's sandbox and sending state; the sender
/// identity; a stack left from an earlier attempt. Every call is a read.
/// </summary>
public sealed class Preflight(StackSettings settings, PreflightAws aws)
{
    /// <summary>The bootstrap version the pinned CDK (2.160) needs: its template's assets and roles.</summary>
    public const int MinimumBootstrapVersion = 6;

    /// <summary>Lambda refuses a reservation that leaves an account fewer than this many unreserved executions.</summary>
    public const int UnreservedFloor = 10;

    private const string StackName = MyBlogApp.StackName;

    /// <summary><c>-- preflight -c key=value …</c>: the lines, and exit code 1 when any check failed.</summary>
    public static async Task<int> MainAsync(string[] args)
    {
        try
        {
            var settings = StackSettings.FromContext(SynthContext.FromCdkJsonAndArgs(args), RepositoryRoot.Find());
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var lines = await new Preflight(settings, PreflightAws.ForAccount(http)).RunAsync(CancellationToken.None);
            foreach (var line in lines)
            {
                Console.WriteLine(line);
            }
            return lines.Any(l => l.Status == PreflightStatus.Failed) ? 1 : 0;
        }
        catch (Exception ex) when (ex is ArgumentException or PreflightException or HttpRequestException or TaskCanceledException)
        {
            Console.WriteLine($"FAIL {ex.Message}");
            return 1;
        }
    }

    public async Task<IReadOnlyList<PreflightLine>> RunAsync(CancellationToken ct)
    {
        var lines = new List<PreflightLine>();
        var caller = await aws.CallerAsync(settings.HomeRegion, ct);
        if (caller is null)
        {
            lines.Add(new(PreflightStatus.Failed, "credentials", "no AWS credentials were found",
                "sign in (aws configure, or aws sso login) or name a profile: AWS_PROFILE=… (AWS mode: --Aws:Profile=…)"));
            return lines;
        }
        lines.Add(new(PreflightStatus.Ok, "credentials", $"account {caller.Value.Account} as {caller.Value.Arn}"));

        foreach (var region in new[] { settings.HomeRegion }.Concat(settings.ReplicaRegions))
        {
            lines.Add(await BootstrapAsync(caller.Value.Account, region, ct));
        }
        // Every region runs the functions on its own: its parameters, layer, Lambda quota and SES (sandbox, sending,
        // identities) are its own, and a fresh account's differ region by region.
        foreach (var region in settings.Regions)
        {
            var where = settings.MultiRegion ? $" in {region}" : "";
            foreach (var line in new[] { await ParametersAsync(region, ct), await AdapterLayerAsync(region, ct), await ConcurrencyAsync(region, ct) }
                .Concat(await SesAsync(region, ct)))
            {
                lines.Add(line with { Check = line.Check + where });
            }
        }
        lines.Add(await EarlierStackAsync(caller.Value.Account, ct));
        return lines;
    }

    private async Task<PreflightLine> BootstrapAsync(string account, string region, CancellationToken ct)
    {
        var fix = $"npx aws-cdk@2.160.0 bootstrap aws://{account}/{region}";
        var values = await aws.ParametersAsync(region, ["/cdk-bootstrap/hnb659fds/version"], ct);
        if (!values.TryGetValue("/cdk-bootstrap/hnb659fds/version", out var text))
        {
            return new(PreflightStatus.Failed, $"CDK bootstrap in {region}", "not bootstrapped (the stack's assets and roles live there)", fix);
        }
        return int.TryParse(text, CultureInfo.InvariantCulture, out var version) && version >= MinimumBootstrapVersion
            ? new(PreflightStatus.Ok, $"CDK bootstrap in {region}", $"version {version}")
            : new(PreflightStatus.Failed, $"CDK bootstrap in {region}", $"version {text}, older than the {MinimumBootstrapVersion} this CDK needs", fix);
    }

    private async Task<PreflightLine> ParametersAsync(string region, CancellationToken ct)
    {
        (string Name, string Type, string Value)[] wanted =
        [
            (settings.SetupCodeParameterName, "SecureString", "\"$(openssl rand -base64 32)\""),
            (settings.OriginSecretParameterName, "String", "\"$(openssl rand -hex 32)\""),
            (settings.LinkKeyParameterName, "SecureString", "\"$(openssl rand -base64 32)\""),
            (settings.IdKeyParameterName, "SecureString", "\"$(openssl rand -base64 32)\""),
        ];
        var found = await aws.ParametersAsync(region, [.. wanted.Select(w => w.Name)], ct);
        var missing = wanted.Where(w => !found.ContainsKey(w.Name)).ToList();
        if (missing.Count == 0)
        {
            return new(PreflightStatus.Ok, "parameters", $"all {wanted.Length} present in {region}");
        }
        var commands = missing.Select(m => $"aws ssm put-parameter --region {region} --type {m.Type} --name {m.Name} --value {m.Value}");
        return new(PreflightStatus.Failed, "parameters", $"missing in {region}: {string.Join(", ", missing.Select(m => m.Name))}",
            string.Join("; ", commands));
    }

    /// <summary>The functions run in each region with the Lambda Web Adapter layer of the pinned version.</summary>
    private async Task<PreflightLine> AdapterLayerAsync(string region, CancellationToken ct)
    {
        var arn = settings.LambdaAdapterLayerArn(region);
        return await aws.LayerVersionExistsAsync(region, arn, ct)
            ? new(PreflightStatus.Ok, "Lambda Web Adapter", $"layer version {settings.LambdaAdapterVersion} is published in {region}")
            : new(PreflightStatus.Failed, "Lambda Web Adapter", $"{arn} is not published (or not readable) in {region}",
                "pick a version AWS publishes there (the aws-lambda-web-adapter releases list the layer ARNs) and pass -c lambdaAdapterVersion=N");
    }

    private async Task<PreflightLine> ConcurrencyAsync(string region, CancellationToken ct)
    {
        var (limit, unreserved) = await aws.LambdaConcurrencyAsync(region, ct);
        var wanted = AwsFunctions.All.Where(f => f.Mail is not null).Sum(f => f.Mail!.Instances);
        if (settings.ReserveMailConcurrency && unreserved - wanted < UnreservedFloor)
        {
            return new(PreflightStatus.Failed, "Lambda concurrency",
                $"quota {limit}, {unreserved} unreserved: reserving {wanted} for the mail functions would leave fewer than {UnreservedFloor}, and Lambda refuses that",
                $"deploy without -c reserveMailConcurrency=true, or ask for a higher quota (Service Quotas → AWS Lambda → Concurrent executions)");
        }
        if (!settings.ReserveMailConcurrency && unreserved - wanted >= UnreservedFloor)
        {
            return new(PreflightStatus.Ok, "Lambda concurrency",
                $"quota {limit}, {unreserved} unreserved: -c reserveMailConcurrency=true would fit, and holds the mail functions to SES's rate exactly");
        }
        return limit <= UnreservedFloor
            ? new(PreflightStatus.Warning, "Lambda concurrency", $"quota {limit}: every function shares {limit} executions at once (a new account's)",
                "ask for a higher quota (Service Quotas → AWS Lambda → Concurrent executions); AWS grants 1,000 on request")
            : new(PreflightStatus.Ok, "Lambda concurrency", $"quota {limit}, {unreserved} unreserved");
    }

    private async Task<IReadOnlyList<PreflightLine>> SesAsync(string region, CancellationToken ct)
    {
        var account = await aws.SesAccountAsync(region, ct);
        var lines = new List<PreflightLine>();
        if (!account.SendingEnabled)
        {
            lines.Add(new(PreflightStatus.Failed, "SES sending", $"paused for the account in {region}",
                "see the SES console's account dashboard for why, and resume sending there"));
        }
        else if (!account.ProductionAccess)
        {
            lines.Add(new(PreflightStatus.Warning, "SES sandbox",
                $"the account is in the SES sandbox in {region}: mail goes only to verified addresses, {account.Max24HourSend:0} a day, {account.MaxSendRate:0} a second — subscribers will get nothing",
                "SES console → Account dashboard → Request production access (and verify your own address to try it meanwhile)"));
        }
        else
        {
            lines.Add(new(PreflightStatus.Ok, "SES sending", $"production access, {account.Max24HourSend:0} a day, {account.MaxSendRate:0} a second (-c sesSendRate={account.MaxSendRate:0})"));
        }

        lines.Add(await SenderIdentityAsync(region, ct));
        return lines;
    }

    /// <summary>
    /// The sender's identity: the stack creates it unless told one exists (made by hand, or by another stack), since
    /// CloudFormation stops with AlreadyExists on an identity it did not make.
    /// </summary>
    private async Task<PreflightLine> SenderIdentityAsync(string region, CancellationToken ct)
    {
        var identities = await aws.SesIdentitiesAsync(region, ct);
        var address = settings.SenderAddress;
        var domain = address[(address.IndexOf('@') + 1)..];
        var own = identities.FirstOrDefault(i => string.Equals(i.Name, address, StringComparison.OrdinalIgnoreCase));
        var ofDomain = identities.FirstOrDefault(i => string.Equals(i.Name, domain, StringComparison.OrdinalIgnoreCase));
        const string Check = "sender identity";
        if (settings.ExistingSenderIdentity)
        {
            return (own ?? ofDomain) switch
            {
                null => new(PreflightStatus.Failed, Check, $"-c existingSenderIdentity=true, but neither {address} nor {domain} is an SES identity in {region}",
                    "drop -c existingSenderIdentity=true and the stack creates the identity (SES mails it a verification link)"),
                { Status: "SUCCESS" } found => new(PreflightStatus.Ok, Check, $"{found.Name} is verified; the stack uses it as it is"),
                { } found => new(PreflightStatus.Warning, Check, $"{found.Name} exists but is {found.Status}: nothing is sent until it is verified",
                    $"open the verification link SES mailed to {found.Name} (or, for a domain, publish its DKIM records)"),
            };
        }
        if (own is not null)
        {
            return new(PreflightStatus.Failed, Check, $"{address} already exists in SES ({own.Status}): the stack creates it, and CloudFormation would stop with AlreadyExists",
                "deploy with -c existingSenderIdentity=true to use it as it is (or delete it in the SES console, Identities, and the stack creates it again)");
        }
        return ofDomain is { Status: "SUCCESS" }
            ? new(PreflightStatus.Ok, Check, $"the domain {domain} is verified; the stack adds {address} (or pass -c existingSenderIdentity=true to send as the domain)")
            : new(PreflightStatus.Ok, Check, $"{address} is new: the stack creates it and SES mails it a verification link to open");
    }

    /// <summary>
    /// A stack left by an earlier attempt, and what a rolled-back first deploy keeps: every bucket and the table are
    /// retained (they hold the blog), and of those only the uploads bucket has a fixed name the next attempt would
    /// collide with. The others have generated names and stay out of the way until deleted.
    /// </summary>
    private async Task<PreflightLine> EarlierStackAsync(string account, CancellationToken ct)
    {
        const string Check = "earlier attempt";
        var status = await aws.StackStatusAsync(settings.HomeRegion, StackName, ct);
        var uploads = Buckets.UploadsBucketNameIn(account, settings.HomeRegion);
        var leftover = status is null or "ROLLBACK_COMPLETE" or "ROLLBACK_FAILED" or "DELETE_FAILED" or "CREATE_FAILED"
            && await aws.BucketExistsAsync(settings.HomeRegion, uploads, ct);
        var removeUploads = $"aws s3 rb s3://{uploads} --force (it holds only that attempt's unprocessed uploads)";
        var others = $"the table and the other buckets it kept have generated names starting with {StackName.ToLowerInvariant()}- and do not collide: delete them when you like (the table has deletion protection on)";
        return status switch
        {
            null when leftover => new(PreflightStatus.Failed, Check,
                $"no {StackName} stack in {settings.HomeRegion}, but its uploads bucket {uploads} is left from an earlier attempt, and the stack would collide with it",
                $"{removeUploads}; {others}"),
            null => new(PreflightStatus.Ok, Check, $"no {StackName} stack yet in {settings.HomeRegion}"),
            "ROLLBACK_COMPLETE" or "ROLLBACK_FAILED" or "DELETE_FAILED" or "CREATE_FAILED" => new(PreflightStatus.Failed, Check,
                $"the {StackName} stack is {status}: a first deploy that failed, which CloudFormation cannot update",
                $"aws cloudformation delete-stack --region {settings.HomeRegion} --stack-name {StackName}" + (leftover ? $"; then {removeUploads}" : "") + $"; {others}"),
            _ when status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal) => new(PreflightStatus.Failed, Check,
                $"the {StackName} stack is {status}", "wait for it to finish (CloudFormation console), then run again"),
            _ => new(PreflightStatus.Ok, Check, $"the {StackName} stack exists ({status}): this deploy updates it"),
        };
    }
}

/// <summary>
/// The read-only AWS calls the preflight makes, signed with SigV4 over plain HTTP (the SDK has no client here for
/// most of these services): STS, Parameter Store, Lambda, SES v2, CloudFormation, S3. <paramref name="endpoint"/> turns
/// a service and region into its endpoint (a stand-in in tests).
/// </summary>
public sealed class PreflightAws(HttpClient http, Func<ImmutableCredentials?> credentials, Func<string, string, Uri>? endpoint = null)
{
    public static PreflightAws ForAccount(HttpClient http) => new(http, () =>
    {
        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials().GetCredentials();
        }
        catch (AmazonClientException)
        {
            return null;
        }
    });

    private Uri Endpoint(string service, string region) =>
        endpoint?.Invoke(service, region) ?? new Uri($"https://{service}.{region}.amazonaws.com/");

    public sealed record SesAccount(bool ProductionAccess, bool SendingEnabled, double Max24HourSend, double MaxSendRate);

    public sealed record SesIdentity(string Name, string Status);

    /// <summary>The account and the caller's ARN, or null when there are no credentials (or they are refused).</summary>
    public async Task<(string Account, string Arn)?> CallerAsync(string region, CancellationToken ct)
    {
        if (credentials() is null)
        {
            return null;
        }
        var (status, body) = await SendAsync(HttpMethod.Post, "sts", region, "/", "Action=GetCallerIdentity&Version=2011-06-15",
            "application/x-www-form-urlencoded; charset=utf-8", null, ct);
        if (status >= 400)
        {
            return null;
        }
        var xml = XDocument.Parse(body);
        string Field(string name) => xml.Descendants().First(e => e.Name.LocalName == name).Value;
        return (Field("Account"), Field("Arn"));
    }

    /// <summary>The values of those of <paramref name="names"/> that exist (decrypted), by name.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ParametersAsync(string region, IReadOnlyList<string> names, CancellationToken ct)
    {
        var request = new JsonObject { ["Names"] = new JsonArray([.. names.Select(n => (JsonNode)n)]), ["WithDecryption"] = true };
        var (status, body) = await SendAsync(HttpMethod.Post, "ssm", region, "/", request.ToJsonString(), "application/x-amz-json-1.1", "AmazonSSM.GetParameters", ct);
        Require(status, body, "Parameter Store", region);
        var answer = JsonNode.Parse(body)!;
        return (answer["Parameters"]?.AsArray() ?? []).ToDictionary(p => p!["Name"]!.GetValue<string>(), p => p!["Value"]!.GetValue<string>());
    }

    public async Task<(int Limit, int Unreserved)> LambdaConcurrencyAsync(string region, CancellationToken ct)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "lambda", region, "/2016-08-19/account-settings/", null, null, null, ct);
        Require(status, body, "Lambda", region);
        var limit = JsonNode.Parse(body)!["AccountLimit"]!;
        return (limit["ConcurrentExecutions"]!.GetValue<int>(), limit["UnreservedConcurrentExecutions"]!.GetValue<int>());
    }

    /// <summary>Whether the layer version exists where the functions run (GetLayerVersionByArn).</summary>
    public async Task<bool> LayerVersionExistsAsync(string region, string arn, CancellationToken ct)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "lambda", region, $"/2018-10-31/layers?find=LayerVersion&Arn={Uri.EscapeDataString(arn)}", null, null, null, ct);
        if (status is 404 or 403)
        {
            return false;
        }
        Require(status, body, "Lambda", region);
        return true;
    }

    public async Task<SesAccount> SesAccountAsync(string region, CancellationToken ct)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "email", region, "/v2/email/account", null, null, null, ct);
        Require(status, body, "SES", region);
        var account = JsonNode.Parse(body)!;
        var quota = account["SendQuota"];
        return new(account["ProductionAccessEnabled"]?.GetValue<bool>() ?? false, account["SendingEnabled"]?.GetValue<bool>() ?? false,
            quota?["Max24HourSend"]?.GetValue<double>() ?? 0, quota?["MaxSendRate"]?.GetValue<double>() ?? 0);
    }

    /// <summary>The account's SES identities in the region (the first page: a blog's account holds a few).</summary>
    public async Task<IReadOnlyList<SesIdentity>> SesIdentitiesAsync(string region, CancellationToken ct)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "email", region, "/v2/email/identities", null, null, null, ct);
        Require(status, body, "SES", region);
        return [.. (JsonNode.Parse(body)!["EmailIdentities"]?.AsArray() ?? [])
            .Select(i => new SesIdentity(i!["IdentityName"]!.GetValue<string>(), i["VerificationStatus"]?.GetValue<string>() ?? "PENDING"))];
    }

    /// <summary>Whether a bucket of that name exists and is this account's (S3's HeadBucket; 404 is none, 403 is another account's).</summary>
    public async Task<bool> BucketExistsAsync(string region, string bucket, CancellationToken ct)
    {
        var (status, body) = await SendAsync(HttpMethod.Head, "s3", region, $"/{Uri.EscapeDataString(bucket)}", null, null, null, ct);
        if (status is 404 or 403)
        {
            return false;
        }
        Require(status, body, "S3", region);
        return true;
    }

    /// <summary>The stack's status, or null when there is none.</summary>
    public async Task<string?> StackStatusAsync(string region, string stackName, CancellationToken ct)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "cloudformation", region, "/",
            $"Action=DescribeStacks&Version=2010-05-15&StackName={Uri.EscapeDataString(stackName)}", "application/x-www-form-urlencoded; charset=utf-8", null, ct);
        if (status == 400 && body.Contains("does not exist", StringComparison.Ordinal))
        {
            return null;
        }
        Require(status, body, "CloudFormation", region);
        return XDocument.Parse(body).Descendants().FirstOrDefault(e => e.Name.LocalName == "StackStatus")?.Value;
    }

    private static void Require(int status, string body, string service, string region)
    {
        if (status >= 400)
        {
            throw new PreflightException($"{service} in {region} answered {status}: {(body.Length <= 300 ? body : body[..300])}");
        }
    }

    private async Task<(int Status, string Body)> SendAsync(HttpMethod method, string service, string region, string path, string? content,
        string? contentType, string? target, CancellationToken ct)
    {
        var creds = credentials() ?? throw new PreflightException("No AWS credentials.");
        using var request = new HttpRequestMessage(method, new Uri(Endpoint(service, region), path.TrimStart('/')));
        var payload = Encoding.UTF8.GetBytes(content ?? "");
        if (content is not null)
        {
            request.Content = new ByteArrayContent(payload);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }
        // SES's API signs as "ses", though its host is email.<region>.
        SigV4.Sign(request, payload, service == "email" ? "ses" : service, region, creds, DateTime.UtcNow);
        using var response = await http.SendAsync(request, ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }
}

/// <summary>A read the preflight needs that AWS refused: the line says which and why.</summary>
public sealed class PreflightException(string message) : Exception(message);
