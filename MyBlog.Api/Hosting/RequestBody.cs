using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MyBlog.Api.Hosting;

/// <summary>
/// Reads a request body with the API's rules: the declared content type must be JSON (415), the body must fit
/// the route's limit whether or not it declares a length (413), and it must parse (400) — each as problem+json.
/// </summary>
internal static class RequestBody
{
    public static ProblemHttpResult UnsupportedMediaType(string example) => TypedResults.Problem(
        statusCode: StatusCodes.Status415UnsupportedMediaType,
        title: "Unsupported media type",
        detail: $"Send the body as application/json, for example {example}.");

    public static ProblemHttpResult TooLarge(int maxBytes) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Request body too large",
        detail: $"The body can be at most {FormatSize(maxBytes)}.");

    /// <summary>The body's bytes if they fit in <paramref name="maxBytes"/>; null when they do not.</summary>
    public static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>Reads and parses a JSON body; on failure, the problem to answer with.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(
        HttpRequest request, int maxBytes, string example, JsonTypeInfo<T> type, CancellationToken ct) where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, UnsupportedMediaType(example));
        }
        var body = await ReadLimitedAsync(request, maxBytes, ct);
        if (body is null)
        {
            return (null, TooLarge(maxBytes));
        }
        try
        {
            var value = JsonSerializer.Deserialize(body, type);
            return value is null ? (null, Malformed("The body is empty.")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Malformed(ex.Message));
        }
    }

    public static ProblemHttpResult Malformed(string why) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "Malformed JSON",
        detail: $"The body could not be read: {why}");

    private static string FormatSize(int bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024)} MB" : $"{bytes / 1024} KB";
}
