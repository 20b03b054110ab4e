using Microsoft.AspNetCore.Http.HttpResults;
using MyBlog.Api.Hosting;
using MyBlog.Api.Staff;
using MyBlog.Api.Posts;
using MyBlog.Core.Staff;
using MyBlog.Core.Photos;
using MyBlog.Core.Settings;

namespace MyBlog.Api.Settings;

/// <summary>The site's settings as the author edits them; saving one republishes the pages that show it.</summary>
public sealed record SiteSettingsDto(
    string Title, string? Description, string? AuthorName, string? AuthorPhotoId, IReadOnlyList<SiteLink> Navigation,
    IReadOnlyList<SiteLink> Social, string? Footer, string? SocialImageId, string Language, int Version)
{
    public static SiteSettingsDto From(SiteSettings s) =>
        new(s.Title, s.Description, s.AuthorName, s.AuthorPhotoId, s.Navigation, s.Social, s.Footer, s.SocialImageId, s.Language, s.Version);
}

/// <summary>The body of PUT: every setting (one left out is cleared) and, instead of If-Match, the version it was edited from.</summary>
public sealed record SiteSettingsUpdate(
    string? Title, string? Description, string? AuthorName, string? AuthorPhotoId, IReadOnlyList<SiteLink?>? Navigation,
    IReadOnlyList<SiteLink?>? Social, string? Footer, string? SocialImageId, string? Language, int? Version)
{
    public SiteSettingsInput ToInput() => new(Title, Description, AuthorName, AuthorPhotoId, Navigation, Social, Footer, SocialImageId, Language);
}

/// <summary>
/// The site's settings: title, description, author, navigation and social links, footer, social image, language.
/// Saved in the table (one item), they reach every page through the publisher, which renders the whole site again
/// when they change and writes only the pages whose bytes changed.
/// </summary>
public static class AdminSettingsApi
{
    private const int MaxBodyBytes = 16 * 1024;
    private const string Example = """{"title": "Ada's notes", "description": "On engines.", "navigation": [{"label": "Projects", "url": "/projects/"}], "version": 1}""";

    public static IEndpointRouteBuilder MapAdminSettingsApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("/api/admin/settings", StaffRole.Owner);
        admin.MapGet("/", GetAsync).WithName("GetSettings").WithSummary("The site's settings, with their version as the ETag.");
        admin.MapPut("/", PutAsync).Accepts<SiteSettingsUpdate>("application/json").WithName("UpdateSettings")
            .WithSummary("Replace the site's settings; needs If-Match or version. Every page showing them is published again.");
        return app;
    }

    public static async Task<Ok<SiteSettingsDto>> GetAsync(HttpResponse response, SettingsStore settings, CancellationToken ct)
    {
        var current = await settings.GetAsync(ct);
        response.Headers.ETag = $"\"v{current.Version}\"";
        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(SiteSettingsDto.From(current));
    }

    public static async Task<Results<Ok<SiteSettingsDto>, ValidationProblem, ProblemHttpResult>> PutAsync(
        HttpRequest request, HttpResponse response, SettingsStore settings, PhotoStore photos, CancellationToken ct)
    {
        var (update, problem) = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, Example, ApiJson.Default.SiteSettingsUpdate, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (!AdminPostsApi.TryRequiredVersion(request, update!.Version, "a change of the settings", out var expected, out var versionProblem))
        {
            return versionProblem;
        }
        if (!update.ToInput().TryValidate(out var valid, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "The settings are not valid");
        }
        var ready = await photos.GetReadyImagesAsync(new[] { valid.AuthorPhotoId, valid.SocialImageId }.OfType<string>(), ct);
        foreach (var (field, id) in new[] { ("authorPhotoId", valid.AuthorPhotoId), ("socialImageId", valid.SocialImageId) })
        {
            if (id is not null && !ready.ContainsKey(id))
            {
                errors[field] = ["That photo is not ready (or does not exist): upload it and wait until it is processed."];
            }
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The settings are not valid");
        }
        if (await settings.PutAsync(valid, expected, ct) is not { } saved)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Version conflict",
                detail: "The settings changed since you read them; read them again and reapply your change.");
        }
        response.Headers.ETag = $"\"v{saved.Version}\"";
        return TypedResults.Ok(SiteSettingsDto.From(saved));
    }
}
