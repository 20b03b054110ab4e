using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using MyBlog.Core.Storage;
using MyBlog.Core.Text;
using static MyBlog.Core.Storage.Attributes;

namespace MyBlog.Core.Settings;

/// <summary>A link the author sets: a label and where it goes (a path on the site, or an https address).</summary>
public sealed record SiteLink(string Label, string Url);

/// <summary>
/// What the author says about the site, edited in the editor rather than in configuration: shown on every page (the
/// title, the navigation's own links, the footer, the social links, the author), in every page's head (the
/// description, the language, the social image a page without a cover shares) and in the feeds.
/// </summary>
/// <param name="Version">Raised by every change; a change names the version it was made from (If-Match).</param>
public sealed record SiteSettings(
    string Title, string? Description, string? AuthorName, string? AuthorPhotoId, IReadOnlyList<SiteLink> Navigation,
    IReadOnlyList<SiteLink> Social, string? Footer, string? SocialImageId, string Language, int Version)
{
    /// <summary>A site nobody has set up yet: its configured name, in English, with nothing else.</summary>
    public static SiteSettings Defaults(string siteName) => new(siteName, null, null, null, [], [], null, null, "en", 0);
}

/// <summary>What the author sends: every setting (a missing one is cleared), checked here.</summary>
public sealed partial record SiteSettingsInput(
    string? Title, string? Description, string? AuthorName, string? AuthorPhotoId, IReadOnlyList<SiteLink?>? Navigation,
    IReadOnlyList<SiteLink?>? Social, string? Footer, string? SocialImageId, string? Language)
{
    public const int MaxTitleLength = 100;
    public const int MaxDescriptionLength = 300;
    public const int MaxNameLength = 100;
    public const int MaxFooterLength = 500;
    public const int MaxLinks = 12;
    public const int MaxLabelLength = 40;
    public const int MaxUrlLength = 500;

    public bool TryValidate(out SiteSettings settings, out Dictionary<string, string[]> errors)
    {
        errors = [];
        settings = default!;
        var title = Line("title", Title, MaxTitleLength, errors, required: true);
        var description = Line("description", Description, MaxDescriptionLength, errors);
        var author = Line("authorName", AuthorName, MaxNameLength, errors);
        var footer = Line("footer", Footer, MaxFooterLength, errors);
        var language = string.IsNullOrWhiteSpace(Language) ? "en" : Language.Trim();
        if (!LanguageTag().IsMatch(language))
        {
            errors["language"] = ["A language tag such as en, fr or pt-BR."];
        }
        var navigation = Links("navigation", Navigation, errors);
        var social = Links("social", Social, errors);
        var authorPhoto = PhotoId("authorPhotoId", AuthorPhotoId, errors);
        var socialImage = PhotoId("socialImageId", SocialImageId, errors);
        if (errors.Count > 0)
        {
            return false;
        }
        settings = new SiteSettings(title!, description, author, authorPhoto, navigation, social, footer, socialImage, language, 0);
        return true;
    }

    private static string? Line(string field, string? value, int max, Dictionary<string, string[]> errors, bool required = false)
    {
        var text = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        if (text is null)
        {
            if (required)
            {
                errors[field] = ["Required."];
            }
            return null;
        }
        if (text.Length > max)
        {
            errors[field] = [$"At most {max} characters."];
        }
        else if (text.Any(char.IsControl) || XmlChars.FirstInvalid(text) is not null)
        {
            errors[field] = ["One line of text, without control characters: pages, feeds and sitemaps carry it."];
        }
        return text;
    }

    private static List<SiteLink> Links(string field, IReadOnlyList<SiteLink?>? links, Dictionary<string, string[]> errors)
    {
        var result = new List<SiteLink>();
        if (links is { Count: > MaxLinks })
        {
            errors[field] = [$"At most {MaxLinks} links."];
            return result;
        }
        foreach (var link in links ?? [])
        {
            var label = link?.Label?.Trim();
            var url = link?.Url?.Trim();
            if (string.IsNullOrEmpty(label) || label.Length > MaxLabelLength || label.Any(char.IsControl) || XmlChars.FirstInvalid(label) is not null)
            {
                errors[field] = [$"Each link has a label of 1 to {MaxLabelLength} characters."];
                break;
            }
            if (!IsSafeUrl(url))
            {
                errors[field] = [$"'{label}': a link is a path on this site (/about/) or an https:// address of at most {MaxUrlLength} characters."];
                break;
            }
            result.Add(new SiteLink(label, url!));
        }
        return result;
    }

    /// <summary>A path on the site (never <c>//host</c>, which leaves it) or an absolute https address; nothing a browser would run.</summary>
    public static bool IsSafeUrl(string? url) =>
        url is { Length: > 0 and <= MaxUrlLength } && !url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
        && (url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.Contains('\\')
            || Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme == Uri.UriSchemeHttps && !string.IsNullOrEmpty(absolute.Host));

    private static string? PhotoId(string field, string? id, Dictionary<string, string[]> errors)
    {
        var trimmed = string.IsNullOrWhiteSpace(id) ? null : id.Trim();
        if (trimmed is not null && !Photos.Photo.IsValidId(trimmed))
        {
            errors[field] = ["A photo id from POST /api/admin/photos."];
        }
        return trimmed;
    }

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$")]
    private static partial Regex LanguageTag();
}

/// <summary>The site's settings: one item, <c>SITE#SETTINGS</c>, written only if it is still the version the author saw.</summary>
public sealed class SettingsStore(IAmazonDynamoDB dynamo, IOptions<MyBlogOptions> options)
{
    public const string PartitionKey = "SITE#SETTINGS";
    private const string SortKey = "SETTINGS";

    private string Table => options.Value.TableName;

    /// <summary>The settings, or the defaults (the configured site name) before the author has saved any.</summary>
    public async Task<SiteSettings> GetAsync(CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = ItemKey(PartitionKey, SortKey), ConsistentRead = true }, ct);
        if (response.Item is not { Count: > 0 } item)
        {
            return SiteSettings.Defaults(options.Value.SiteName);
        }
        return new SiteSettings(
            item.String("title") ?? options.Value.SiteName, item.String("description"), item.String("authorName"), item.String("authorPhotoId"),
            LinksOf(item, "navigation"), LinksOf(item, "social"), item.String("footer"), item.String("socialImageId"),
            item.String("language") ?? "en", item.Int("version") ?? 0);
    }

    /// <summary>
    /// The site as its emails name it: the title the author set, else the configured name — also when the settings
    /// cannot be read just now (an email is not held back for its signature).
    /// </summary>
    public async Task<MyBlogOptions> ForEmailAsync(CancellationToken ct)
    {
        try
        {
            return options.Value.Named((await GetAsync(ct)).Title);
        }
        catch (AmazonDynamoDBException)
        {
            return options.Value;
        }
    }

    /// <summary>Saves <paramref name="settings"/> over version <paramref name="expectedVersion"/>; null when that is no longer the version.</summary>
    public async Task<SiteSettings?> PutAsync(SiteSettings settings, int expectedVersion, CancellationToken ct)
    {
        var next = settings with { Version = expectedVersion + 1 };
        var item = new Dictionary<string, AttributeValue>(ItemKey(PartitionKey, SortKey))
        {
            ["title"] = S(next.Title),
            ["language"] = S(next.Language),
            ["version"] = N(next.Version),
            ["navigation"] = new AttributeValue { L = next.Navigation.Select(Link).ToList() },
            ["social"] = new AttributeValue { L = next.Social.Select(Link).ToList() },
        };
        foreach (var (name, value) in new[]
                 {
                     ("description", next.Description), ("authorName", next.AuthorName), ("authorPhotoId", next.AuthorPhotoId),
                     ("footer", next.Footer), ("socialImageId", next.SocialImageId),
                 })
        {
            if (value is not null)
            {
                item[name] = S(value);
            }
        }
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = item,
                ConditionExpression = expectedVersion == 0 ? "attribute_not_exists(pk)" : "version = :v",
                ExpressionAttributeValues = expectedVersion == 0 ? null : new() { [":v"] = N(expectedVersion) },
            }, ct);
            return next;
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    private static AttributeValue Link(SiteLink link) => new() { M = new() { ["label"] = S(link.Label), ["url"] = S(link.Url) } };

    private static List<SiteLink> LinksOf(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var list) && list.L is { } links
            ? links.Where(l => l.M is not null).Select(l => new SiteLink(l.M.GetValueOrDefault("label")?.S ?? "", l.M.GetValueOrDefault("url")?.S ?? "")).ToList()
            : [];
}
