using Microsoft.AspNetCore.Http.HttpResults;
using MyBlog.Api.Hosting;
using MyBlog.Core.Uploads;

namespace MyBlog.Api.Uploads;

/// <summary>
/// Files never pass through the API (API Gateway stops a request at 10 MB, Lambda a payload at 6 MB): the author
/// declares the file, the API checks the declaration against its kind's rules and answers a presigned PUT, and the
/// browser sends the file straight to the uploads bucket. One endpoint shape for every kind of upload.
/// </summary>
public static class UploadEndpoint
{
    /// <summary>A declaration is a file name, a type and a size: a few hundred bytes.</summary>
    public const int MaxDeclarationBytes = 4 * 1024;

    /// <summary>
    /// Reads and checks the declaration, then lets <paramref name="create"/> record what is uploaded and sign its PUT
    /// (valid until the time it is given): 201 with the ticket at its location, 413 for a declared size over the
    /// rules' limit, 400 naming each wrong field.
    /// </summary>
    public static async Task<Results<Created<TTicket>, ValidationProblem, ProblemHttpResult>> DeclareAsync<TTicket>(
        HttpRequest request, UploadRules rules, string example, UploadUrlSigner signer, TimeProvider time,
        Func<UploadRequest, DateTimeOffset, Task<(string Location, TTicket Ticket)>> create, CancellationToken ct)
    {
        var (upload, problem) = await RequestBody.ReadJsonAsync(request, MaxDeclarationBytes, example, ApiJson.Default.UploadRequest, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (rules.IsTooLarge(upload!))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"{rules.Noun} too large", detail: rules.TooLargeDetail);
        }
        if (rules.Errors(upload!) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors, title: $"The {rules.Noun.ToLowerInvariant()} cannot be uploaded");
        }
        var (location, ticket) = await create(upload!, time.GetUtcNow().Add(signer.Lifetime));
        return TypedResults.Created(location, ticket);
    }
}
