using System.Globalization;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;

namespace MyBlog.ServiceDefaults;

/// <summary>
/// Signature Version 4 for the AWS calls this solution makes without an SDK client (the DynamoDB Streams calls of
/// LocalAws, CloudFront's CreateInvalidation, X-Ray's OTLP endpoint, the deploy's preflight): the canonical request is built here, the
/// hashing and signing are AWSSDK.Core's own signer — no hand-written crypto.
/// </summary>
public static class SigV4
{
    /// <summary>
    /// Signs <paramref name="request"/> (whose body is <paramref name="payload"/>): host, content type, payload hash,
    /// date, any X-Amz-Target and the session token are signed; the X-Amz-* and Authorization headers are added.
    /// </summary>
    public static void Sign(HttpRequestMessage request, byte[] payload, string service, string region, ImmutableCredentials credentials, DateTime now)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var amzDate = now.ToString(AWSSDKUtils.ISO8601BasicDateTimeFormat, CultureInfo.InvariantCulture);
        var payloadHash = AWSSDKUtils.ToHex(AWS4Signer.ComputeHash(payload), lowercase: true);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}",
            ["x-amz-content-sha256"] = payloadHash,
            ["x-amz-date"] = amzDate,
        };
        if (request.Content?.Headers.ContentType is { } contentType)
        {
            headers["content-type"] = contentType.ToString();
        }
        if (request.Headers.TryGetValues("X-Amz-Target", out var target))
        {
            headers["x-amz-target"] = target.Single();
        }
        if (credentials.UseToken)
        {
            headers["x-amz-security-token"] = credentials.Token;
        }
        var signedHeaders = string.Join(';', headers.Keys);
        var canonicalRequest = string.Join('\n',
            request.Method.Method, uri.AbsolutePath, CanonicalQuery(uri.Query), string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n")), signedHeaders, payloadHash);
        var signature = AWS4Signer.ComputeSignature(credentials, region, now, service, signedHeaders, canonicalRequest);

        foreach (var name in new[] { "x-amz-content-sha256", "x-amz-date", "x-amz-security-token" })
        {
            if (headers.TryGetValue(name, out var value))
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", signature.ForAuthorizationHeader);
    }

    /// <summary>
    /// The query as SigV4 signs it: each name and value decoded, then encoded as RFC 3986 says (unreserved characters
    /// only), sorted by name and then value, joined with '&amp;'.
    /// </summary>
    public static string CanonicalQuery(string query)
    {
        if (query.Length <= 1)
        {
            return "";
        }
        return string.Join('&', query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(parts => (Name: Encode(parts[0]), Value: Encode(parts.Length > 1 ? parts[1] : "")))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));

        static string Encode(string text) => AWSSDKUtils.UrlEncode(Uri.UnescapeDataString(text), path: false);
    }
}
