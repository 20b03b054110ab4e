using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyBlog.Tests.Support;

/// <summary>
/// AWS as a Lambda package meets it when it starts and answers a first request, on 127.0.0.1 (the SDK's
/// <c>AWS_ENDPOINT_URL</c>): Parameter Store answers GetParameter for the given parameters (JSON 1.1) and answers any
/// other name as SSM answers an unknown parameter; DynamoDB (JSON 1.0) finds nothing on every read (but the items a
/// test puts in <see cref="Items"/>, which GetItem finds by key) and accepts every write; X-Ray's OTLP endpoint (<see cref="XRayEndpoint"/>) takes spans. It records what it was asked.
/// </summary>
public sealed class AwsStandIn : IDisposable
{
    private readonly IReadOnlyDictionary<string, string> _parameters;
    private readonly List<(string Name, bool WithDecryption)> _parameterRequests = [];
    private readonly List<string> _dynamoDbOperations = [];
    private readonly List<(string? Authorization, string? ContentType, byte[] Body)> _spans = [];
    private readonly LocalHttpServer _server;

    public AwsStandIn(IReadOnlyDictionary<string, string> parameters)
    {
        _parameters = parameters;
        _server = new LocalHttpServer(AnswerAsync);
    }

    public string Url => _server.Url;

    /// <summary>Items GetItem finds, by "pk|sk", in DynamoDB's JSON (<c>{"pk": {"S": "…"}, …}</c>).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> Items { get; } = new();

    public string XRayEndpoint => Url + "v1/traces";

    public IReadOnlyList<(string Name, bool WithDecryption)> ParameterRequests
    {
        get { lock (_parameterRequests) { return [.. _parameterRequests]; } }
    }

    /// <summary>DynamoDB's operations in the order asked (Query, PutItem, …).</summary>
    public IReadOnlyList<string> DynamoDbOperations
    {
        get { lock (_dynamoDbOperations) { return [.. _dynamoDbOperations]; } }
    }

    /// <summary>Each OTLP export: its signature, its content type, its protobuf body.</summary>
    public IReadOnlyList<(string? Authorization, string? ContentType, byte[] Body)> Spans
    {
        get { lock (_spans) { return [.. _spans]; } }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var target = context.Request.Headers["X-Amz-Target"] ?? "";
        string answer;
        if (context.Request.Url!.AbsolutePath == "/v1/traces")
        {
            lock (_spans)
            {
                _spans.Add((context.Request.Headers["Authorization"], context.Request.ContentType, body.ToArray()));
            }
            return;
        }
        if (target.StartsWith("DynamoDB_20120810.", StringComparison.Ordinal))
        {
            var operation = target["DynamoDB_20120810.".Length..];
            lock (_dynamoDbOperations)
            {
                _dynamoDbOperations.Add(operation);
            }
            answer = operation is "Query" or "Scan" ? """{"Count": 0, "Items": [], "ScannedCount": 0}""" : "{}";
            if (operation == "GetItem" && JsonNode.Parse(body.ToArray())?["Key"] is { } key
                && Items.TryGetValue($"{key["pk"]?["S"]}|{key["sk"]?["S"]}", out var item))
            {
                answer = $$"""{"Item": {{item}}}""";
            }
            context.Response.ContentType = "application/x-amz-json-1.0";
        }
        else
        {
            var request = JsonNode.Parse(body.ToArray())!;
            var name = request["Name"]?.GetValue<string>() ?? "";
            // "name:3" selects a version of "name", as Parameter Store reads it; every version here holds the one value.
            var selected = name.LastIndexOf(':') is var colon and > 0 && int.TryParse(name[(colon + 1)..], out _) ? name[..colon] : name;
            if (target == "AmazonSSM.GetParameter" && _parameters.TryGetValue(selected, out var value))
            {
                lock (_parameterRequests)
                {
                    _parameterRequests.Add((name, request["WithDecryption"]?.GetValue<bool>() == true));
                }
                answer = JsonSerializer.Serialize(new { Parameter = new { Name = name, Type = "SecureString", Value = value, Version = 1 } });
            }
            else
            {
                context.Response.StatusCode = 400;
                answer = JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = "ParameterNotFound", ["message"] = $"{target} {name}" });
            }
            context.Response.ContentType = "application/x-amz-json-1.1";
        }
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(answer));
    }

    public void Dispose() => _server.Dispose();
}
