using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using MyBlog.Api.Subscribers;
using MyBlog.Core.Imports;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Storage;
using MyBlog.Core.Settings;
using MyBlog.Core.Subscribers;
using MyBlog.Core.Uploads;

namespace MyBlog.Api.Hosting;

/// <summary>
/// The OpenAPI document says what the code enforces, so a generated client or a reviewer knows the rules: the admin
/// routes' API keys and session cookie, every string's, number's and list's bounds (taken from the same constants the validation
/// uses), the answers every route can give (400, 401, 403, 413, 429, 500 as problem+json) and the per-reader quota's
/// headers. The framework describes shapes; this adds the rules it cannot see.
/// </summary>
internal static class ApiContract
{
    public const string AdminScheme = "apiKey";
    public const string SessionScheme = "session";

    private const string Problem = "application/problem+json";
    private const int UrlLength = 2048;
    private const int PresignedUrlLength = 8192;
    private const int IdLength = 32;
    private const int ProblemTextLength = 4096;

    public static void AddApiContract(this OpenApiOptions options) => options.AddDocumentTransformer((document, _, _) =>
    {
        Describe(document);
        return Task.CompletedTask;
    });

    private static void Describe(OpenApiDocument document)
    {
        document.Info.Title = "MyBlog API";
        document.Info.Description =
            "The blog's public API (published posts, subscribing) and the author's (under /api/admin, for the staff: a session or an API key). " +
            "Every error is problem+json (RFC 9457). Requests reach it through the site's CDN, which adds the reader's address.";
        document.Info.Contact = new OpenApiContact { Name = "The blog's author" };
        // Readers reach the API through the edge (or CloudFront): the document names no host of its own.
        document.Servers =
        [
            new OpenApiServer
            {
                Url = "/",
                Description = "Production and local alike: the site itself, whose CDN (locally, its edge) serves the API under /api/.",
                Extensions = new Dictionary<string, IOpenApiExtension> { ["x-internal"] = new JsonNodeExtension(JsonValue.Create(false)) },
            },
        ];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[AdminScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "One of your API keys (myblog_…), made in the editor's Account page. Wrong or missing: 401; " +
                          $"more than {MyBlog.Api.Staff.StaffAuth.FailuresPerMinute} failures a minute from one reader: 429.",
        };
        document.Components.SecuritySchemes[SessionScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = "__Host-myblog-session",
            Description = $"The editor's session cookie (HttpOnly, SameSite=Strict, Secure). A change made with it also needs the session's {MyBlog.Api.Staff.StaffAuth.CsrfHeader} header.",
        };

        foreach (var (name, schema) in document.Components.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (schema is OpenApiSchema concrete)
            {
                Bound(name, concrete);
            }
        }
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                Answers(document, path, method, operation);
            }
        }
    }

    /// <summary>Each property's bounds, by the schema it is in and its name.</summary>
    private static void Bound(string schemaName, OpenApiSchema schema)
    {
        switch (schemaName)
        {
            case "HttpValidationProblemDetails" or "ProblemDetails":
                // The errors map: one entry per field of the body, a message or two each.
                schema.MaxProperties ??= 64;
                break;
            case "ImportDto":
                schema.MaxProperties ??= 16;
                break;
        }
        foreach (var (property, value) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (value is not OpenApiSchema field)
            {
                continue;
            }
            BoundProperty(schemaName, property, field);
        }
    }

    private static void BoundProperty(string schemaName, string property, OpenApiSchema field)
    {
        if (field.Format == "date-time")
        {
            // ISO 8601 with its offset, as the API writes times ("2026-12-01T09:00:00.0000000+00:00").
            field.MaxLength ??= 40;
            return;
        }
        switch (schemaName, property)
        {
            // Problems (the framework's shape; the texts are this API's own).
            case ("HttpValidationProblemDetails" or "ProblemDetails", "status"):
                Integer(field, 400, 599);
                return;
            case ("HttpValidationProblemDetails" or "ProblemDetails", "type" or "instance"):
                Text(field, UrlLength);
                return;
            case ("HttpValidationProblemDetails" or "ProblemDetails", "title" or "detail"):
                Text(field, ProblemTextLength);
                return;
            case ("HttpValidationProblemDetails" or "ProblemDetails", "errors"):
                field.MaxProperties ??= 64;
                if (field.AdditionalProperties is OpenApiSchema messages)
                {
                    List(messages, 8);
                    if (messages.Items is OpenApiSchema message)
                    {
                        Text(message, ProblemTextLength);
                    }
                }
                return;

            // The staff and signing in.
            case ("StaffDto" or "ApiKeyDto" or "NewApiKeyDto" or "SessionDto", "id"):
            case ("PasskeyChallengeDto" or "PasskeyRegistration" or "PasskeySignIn", "challengeId"):
                Id(field);
                return;
            case ("PasskeyDto", "id"):
                Text(field, 1400);
                return;
            case ("StaffDto" or "StaffInvite" or "SetupRequest" or "EmailLinkRequest", "email"):
                Text(field, EmailAddress.MaxLength);
                return;
            case ("StaffDto" or "StaffInvite" or "SetupRequest", "name"):
            case ("StaffDto", "invitedBy"):
            case ("ApiKeyDto" or "NewApiKeyDto" or "ApiKeyRequest" or "PasskeyDto" or "PasskeyRegistration", "name"):
                Text(field, MyBlog.Api.Staff.AdminStaffApi.MaxKeyNameLength);
                return;
            case ("StaffDto" or "StaffInvite" or "StaffRoleChange", "role"):
                Choice(field, "owner", "author");
                return;
            case ("SessionDto", "via"):
                Choice(field, Enum.GetNames<MyBlog.Core.Staff.SignInMethod>());
                return;
            case ("SessionDto", "agent"):
                Text(field, MyBlog.Core.Staff.StaffSessions.MaxAgentLength);
                return;
            case ("StaffList" or "SessionList" or "ApiKeyList" or "PasskeyList", "items"):
                // A blog's staff, and each person's sessions, keys and passkeys: a handful, never paged.
                List(field, 1000);
                return;
            case ("SetupRequest", "setupCode"):
                Text(field, 4096);
                return;
            case ("EmailLinkRedeem", "token"):
            case ("NewApiKeyDto", "key"):
            case ("SignInStateDto", "csrf"):
                Text(field, 200);
                return;

            // Posts.
            // The site's settings.
            case ("SiteSettingsDto" or "SiteSettingsUpdate", "title"):
                Text(field, SiteSettingsInput.MaxTitleLength);
                return;
            case ("SiteSettingsDto" or "SiteSettingsUpdate", "description"):
                Text(field, SiteSettingsInput.MaxDescriptionLength);
                return;
            case ("SiteSettingsDto" or "SiteSettingsUpdate", "authorName"):
                Text(field, SiteSettingsInput.MaxNameLength);
                return;
            case ("SiteSettingsDto" or "SiteSettingsUpdate", "footer"):
                Text(field, SiteSettingsInput.MaxFooterLength);
                return;
            case ("SiteSettingsDto" or "SiteSettingsUpdate", "language"):
                Text(field, 35);
                return;
            case ("SiteSettingsDto" or "SiteSettingsUpdate", "authorPhotoId" or "socialImageId"):
                Id(field);
                return;
            case ("SiteSettingsDto" or "SiteSettingsUpdate", "navigation" or "social"):
                List(field, SiteSettingsInput.MaxLinks);
                return;
            case ("SiteLink", "label"):
                Text(field, SiteSettingsInput.MaxLabelLength);
                return;
            case ("SiteLink", "url"):
                Text(field, SiteSettingsInput.MaxUrlLength);
                return;

            case (_, "slug"):
                Text(field, Slug.MaxLength);
                return;
            case (_, "title"):
                Text(field, PostInput.MaxTitleLength);
                return;
            case (_, "excerpt"):
                Text(field, PostInput.MaxExcerptLength);
                return;
            case (_, "markdown"):
                // At most this many bytes of UTF-8, hence at most this many characters.
                Text(field, PostInput.MaxMarkdownBytes);
                return;
            case (_, "html"):
                // The sanitized HTML is stored on the post's item, which DynamoDB caps at 400 KB.
                Text(field, 400 * 1024);
                return;
            case (_, "tags"):
                List(field, PostInput.MaxTags);
                if (field.Items is OpenApiSchema tag)
                {
                    Text(tag, PostInput.MaxTagLength);
                }
                return;
            case ("PostDto" or "PostSummaryDto", "status"):
                Choice(field, "draft", "published");
                return;
            case (_, "kind"):
                Choice(field, "post", "page");
                return;
            case (_, "version"):
                Integer(field, 0, int.MaxValue);
                return;
            case (_, "readingMinutes"):
                Integer(field, 0, int.MaxValue);
                return;
            case (_, "url"):
                Text(field, UrlLength);
                return;
            case (_, "at"):
                // An ISO 8601 time with its offset.
                Text(field, 64);
                field.Format ??= "date-time";
                return;
            case ("PostListOfPostSummaryDto", "items"):
                List(field, 100);
                return;
            case (_, "nextCursor"):
                Text(field, PostStore.MaxCursorLength);
                return;

            // Uploads, photos and imports.
            case (_, "photoId" or "importId" or "coverPhotoId"):
                Id(field);
                return;
            case ("UploadRequest", "fileName"):
                Text(field, UploadRules.MaxFileNameLength);
                return;
            case ("UploadRequest", "contentType"):
                // type/subtype, each at most 127 characters (RFC 6838).
                Text(field, 255);
                return;
            case ("UploadRequest", "size"):
                Integer(field, 1, ImportUploads.MaxBytes);
                return;
            case ("PhotoDto" or "ImportDto", "fileName"):
                Text(field, UploadRules.MaxFileNameLength);
                return;
            case ("PhotoDto", "contentType"):
                Choice(field, [.. PhotoUploads.Rules.AcceptedTypes]);
                return;
            case ("PhotoDto", "status"):
                Choice(field, PhotoStatus.AwaitingUpload, PhotoStatus.Ready, PhotoStatus.Failed);
                return;
            case ("PhotoDto", "format"):
                Choice(field, "jpeg", "png", "webp", "gif");
                return;
            case ("PhotoDto", "originalBytes"):
                Integer(field, 1, PhotoUploads.MaxBytes);
                return;
            case ("PhotoDto" or "PhotoVariantDto", "width" or "height"):
                // The thumbnail worker refuses photos of more than 50 megapixels.
                Integer(field, 1, 50_000_000);
                return;
            case ("PhotoDto", "variants"):
                // Four standard widths and the photo's own, when narrower.
                List(field, 5);
                return;
            case ("PhotoVariantDto", "webp" or "jpeg"):
                Text(field, UrlLength);
                return;
            case (_, "uploadUrl"):
                Text(field, PresignedUrlLength);
                return;
            case (_, "method"):
                Choice(field, "PUT");
                return;
            case (_, "headers"):
                // The headers the upload must carry: its type, its length, and the trace it belongs to.
                field.MaxProperties ??= 8;
                if (field.AdditionalProperties is OpenApiSchema header)
                {
                    Text(header, 1024);
                }
                return;
            case ("ImportDto", "status"):
                Choice(field, ImportStatus.Pending, ImportStatus.Running, ImportStatus.Done, ImportStatus.Failed);
                return;
            case ("ImportDto", "format"):
                Choice(field, ["hugo", "jekyll", "ghost", .. SubscriberListFormats.All]);
                return;
            case ("ImportDto", "counts"):
                // Files of an archive (at most 10,000), or rows of a subscriber list.
                field.MaxProperties ??= 4;
                if (field.AdditionalProperties is OpenApiSchema count)
                {
                    Integer(count, 0, int.MaxValue);
                }
                return;
            case ("ImportDto", "results"):
                // One result per entry of the archive, which holds at most 10,000.
                List(field, 10_000);
                return;
            case ("ImportFileResult", "file"):
                // A zip entry's name is at most 65,535 bytes.
                Text(field, ushort.MaxValue);
                return;
            case ("ImportFileResult", "status"):
                Choice(field, ImportOutcome.Imported, ImportOutcome.Updated, ImportOutcome.Skipped, ImportOutcome.Failed);
                return;
            case (_, "error" or "failureReason" or "failure" or "note"):
                Text(field, Attributes.MaxReasonLength);
                return;

            // The newsletter.
            case ("NewsletterDto", "status"):
                Choice(field, "planning", "sending", "sent", "failed");
                return;
            case ("NewsletterDto", "recipients" or "queued" or "sent" or "failed" or "skipped"):
                Integer(field, 0, int.MaxValue);
                return;

            // The author's subscribers.
            case ("SubscriberCountsDto", _):
                Integer(field, 0, int.MaxValue);
                return;
            case ("SubscriberListDto", "next"):
                Text(field, 512);
                return;
            case ("SubscriberListDto", "subscribers"):
                List(field, SubscriberDirectory.MaxPageSize);
                return;
            case ("SubscriberRowDto", "email"):
                Text(field, EmailAddress.MaxLength);
                return;
            case ("SubscriberRowDto", "id"):
                Id(field);
                return;
            case ("SubscriberRowDto", "name"):
                Text(field, SubscribeRequest.MaxNameLength);
                return;
            case ("SubscriberRowDto", "status"):
                Choice(field, [.. Enum.GetValues<SubscriberState>().Select(s => s.ToString().ToLowerInvariant())]);
                return;
            case ("SubscriberRowDto", "mailBlocked"):
                Text(field, Attributes.MaxReasonLength);
                return;

            // Subscribing.
            case ("SubscribeRequest", "email"):
                Text(field, EmailAddress.MaxLength);
                return;
            case ("SubscribeRequest", "name"):
                Text(field, SubscribeRequest.MaxNameLength);
                return;
            case (_, "challenge"):
                Text(field, SubscribeChallenge.MaxLength);
                return;
            case ("SubscribeRequest", "nonce"):
                Text(field, SubscribeChallenge.MaxNonceLength);
                field.Pattern ??= "^[0-9]+$";
                return;
            case ("ChallengeTicket", "difficulty"):
                Integer(field, 0, SubscribeChallenge.MaxDifficulty);
                return;
            case (_, "message"):
                Text(field, 500);
                return;
        }
    }

    /// <summary>The answers every operation can give, and its parameters' bounds.</summary>
    private static void Answers(OpenApiDocument document, string path, HttpMethod method, OpenApiOperation operation)
    {
        var admin = path.StartsWith("/api/admin", StringComparison.Ordinal);
        var signIn = path.StartsWith("/api/auth/", StringComparison.Ordinal) && path != "/api/auth/session" && path != "/api/auth/sign-out";
        var quota = (path is "/api/subscribers" or "/api/subscribers/{id}/resend" || signIn) && method == HttpMethod.Post;
        operation.Responses ??= new OpenApiResponses();
        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is OpenApiParameter concrete && concrete.Schema is OpenApiSchema schema)
            {
                BoundParameter(path, concrete.Name, schema);
            }
        }
        if (admin)
        {
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AdminScheme, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SessionScheme, document)] = [] },
            ];
            Add(operation, "401", "No signed-in session and no valid API key.", retryAfter: false);
        }
        else
        {
            // Anonymous on purpose: the public reads, the routes a subscriber reaches from an email's link, and signing in.
            operation.Security = [];
        }
        if (operation.Parameters is { Count: > 0 } || operation.RequestBody is not null)
        {
            Add(operation, "400", "A parameter or the body is not valid; the problem names it.", retryAfter: false);
        }
        if (operation.RequestBody is not null)
        {
            Add(operation, "413", "The body is larger than this route accepts.", retryAfter: false);
        }
        Add(operation, "403", admin || path.StartsWith("/api/auth", StringComparison.Ordinal)
            ? "Not for your role; or a change made with a session without its CSRF token, or from another site; or the request did not come through the site's CDN."
            : "The request did not come through the site's CDN (its origin secret is missing).", retryAfter: false);
        Add(operation, "429", admin
            ? $"More than {MyBlog.Api.Staff.StaffAuth.FailuresPerMinute} failed sign-ins a minute from this reader, or the API's overall throttle."
            : signIn
                ? $"More than {MyBlog.Api.Staff.SignInApi.AttemptsPerMinute} sign-in attempts a minute from this reader, or the API's overall throttle."
            : quota
                ? $"More than {SubscribersApi.SubscribesPerMinute} requests a minute from this reader, or the API's overall throttle."
                : "The API's overall throttle (API Gateway's, on AWS).", retryAfter: true);
        Add(operation, "500", "Something failed on the server; nothing was half done. Try again.", retryAfter: false);
        if (quota)
        {
            foreach (var (status, response) in operation.Responses)
            {
                if (status[0] is '2' or '4' && response is OpenApiResponse concrete)
                {
                    RateLimitHeaders(concrete);
                }
            }
        }
    }

    private static void BoundParameter(string path, string? name, OpenApiSchema schema)
    {
        switch (name)
        {
            case "slug":
                Text(schema, Slug.MaxLength);
                break;
            case "id" or "photoId" or "importId" or "staffId" or "sessionId" or "keyId":
                Id(schema);
                break;
            case "token":
                Text(schema, SubscriberToken.MaxLength);
                break;
            case "passkeyId":
                // A credential id, base64url: WebAuthn allows up to 1,023 bytes.
                Text(schema, 1400);
                break;
            case "tag":
                Text(schema, PostInput.MaxTagLength);
                break;
            case "cursor":
                Text(schema, PostStore.MaxCursorLength);
                break;
            case "status" when path.StartsWith("/api/admin/subscribers", StringComparison.Ordinal):
                Choice(schema, [.. Enum.GetValues<SubscriberState>().Select(s => s.ToString().ToLowerInvariant())]);
                break;
            case "status":
                Choice(schema, "draft", "published");
                break;
            case "kind":
                Choice(schema, "post", "page");
                break;
            case "q":
                Text(schema, EmailAddress.MaxLength);
                break;
            case "limit" when path == "/api/admin/subscribers/export":
                Integer(schema, 1, SubscriberDirectory.MaxExportPart);
                break;
            case "limit" when path.StartsWith("/api/admin/subscribers", StringComparison.Ordinal):
                Integer(schema, 1, SubscriberDirectory.MaxPageSize);
                break;
            case "limit":
                // The public list pages by at most 50, the author's by 100.
                Integer(schema, 1, path.StartsWith("/api/admin", StringComparison.Ordinal) ? 100 : 50);
                break;
        }
    }

    private static void Add(OpenApiOperation operation, string status, string description, bool retryAfter)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }
        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [Problem] = new OpenApiMediaType { Schema = ProblemSchema() },
            },
        };
        if (retryAfter)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before trying again.",
                    Schema = Integer(new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" }, 1, 86_400),
                },
            };
        }
        operation.Responses[status] = response;
    }

    private static void RateLimitHeaders(OpenApiResponse response)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers["RateLimit-Limit"] = Header("Requests a reader may make in one window.", 0, 1_000);
        response.Headers["RateLimit-Remaining"] = Header("Requests the reader has left in this window.", 0, 1_000);
        response.Headers["RateLimit-Reset"] = Header("Seconds until the window closes and the quota is whole again.", 0, 86_400);
        response.Headers["RateLimit-Policy"] = new OpenApiHeader
        {
            Description = "The quota and its window in seconds (\"5;w=60\").",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 64, Pattern = "^[0-9]+;w=[0-9]+$" },
        };
    }

    private static OpenApiHeader Header(string description, long minimum, long maximum) => new()
    {
        Description = description,
        Schema = Integer(new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" }, minimum, maximum),
    };

    /// <summary>problem+json (RFC 9457) as this API writes it.</summary>
    private static OpenApiSchema ProblemSchema() => new()
    {
        Type = JsonSchemaType.Object,
        MaxProperties = 8,
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = UrlLength, Format = "uri-reference" },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = ProblemTextLength, Pattern = "^[^\\n]*$" },
            ["status"] = Integer(new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" }, 400, 599),
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = ProblemTextLength, Pattern = "^[\\s\\S]*$" },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 128, Pattern = "^[0-9a-f-]+$" },
        },
    };

    private static void Text(OpenApiSchema schema, int maxLength) => schema.MaxLength ??= maxLength;

    /// <summary>The ids this API makes (subscribers, photos, imports): 32 lowercase hex digits.</summary>
    private static void Id(OpenApiSchema schema)
    {
        Text(schema, IdLength);
        schema.Pattern ??= "^[0-9a-f]{32}$";
    }

    private static OpenApiSchema Integer(OpenApiSchema schema, long minimum, long maximum)
    {
        schema.Minimum ??= minimum.ToString(CultureInfo.InvariantCulture);
        schema.Maximum ??= maximum.ToString(CultureInfo.InvariantCulture);
        schema.Format ??= maximum > int.MaxValue ? "int64" : "int32";
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.String))
        {
            // Numbers may be sent as strings too ("12"): as many characters as the largest has digits, and a sign.
            schema.MaxLength ??= maximum.ToString(CultureInfo.InvariantCulture).Length + 1;
        }
        return schema;
    }

    private static void List(OpenApiSchema schema, int maxItems) => schema.MaxItems ??= maxItems;

    private static void Choice(OpenApiSchema schema, params string[] values)
    {
        schema.Enum ??= [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
        schema.MaxLength ??= values.Max(v => v.Length);
    }

}
