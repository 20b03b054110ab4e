using System.Text.Json;
using System.Text.Json.Serialization;
using MyBlog.Api.Imports;
using MyBlog.Api.Newsletter;
using MyBlog.Api.Photos;
using MyBlog.Api.Posts;
using MyBlog.Api.Subscribers;
using MyBlog.Core.Imports;
using MyBlog.Core.Photos;
using MyBlog.Core.Posts;
using MyBlog.Core.Subscribers;
using MyBlog.Core.Uploads;

namespace MyBlog.Api.Hosting;

/// <summary>
/// Every body the API reads or writes, its JSON code generated at compile time (web defaults: camelCase,
/// case-insensitive reading). The API ships as a Native AOT binary, which starts about four times faster than the
/// JIT build but has no reflection-based serialization; results (TypedResults.Ok and the like) find these through
/// the HTTP JSON options, and a type missing here is an error at build time, not a 500 on AWS.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SubscribeRequest))]
[JsonSerializable(typeof(SubscribeAccepted))]
[JsonSerializable(typeof(SubscriberListDto))]
[JsonSerializable(typeof(MyBlog.Api.Settings.SiteSettingsDto))]
[JsonSerializable(typeof(MyBlog.Api.Settings.SiteSettingsUpdate))]
[JsonSerializable(typeof(SubscriberCountsDto))]
[JsonSerializable(typeof(ChallengeTicket))]
[JsonSerializable(typeof(PostInput))]
[JsonSerializable(typeof(PostUpdate))]
[JsonSerializable(typeof(PreviewRequest))]
[JsonSerializable(typeof(PublishRequest))]
[JsonSerializable(typeof(PreviewResponse))]
[JsonSerializable(typeof(PostDto))]
[JsonSerializable(typeof(PostList<PostSummaryDto>))]
[JsonSerializable(typeof(PostList<PublicPostSummary>))]
[JsonSerializable(typeof(PublicPost))]
[JsonSerializable(typeof(UploadRequest))]
[JsonSerializable(typeof(ImportTicket))]
[JsonSerializable(typeof(ImportDto))]
[JsonSerializable(typeof(PhotoUploadTicket))]
[JsonSerializable(typeof(PhotoDto))]
[JsonSerializable(typeof(NewsletterDto))]
[JsonSerializable(typeof(NewsletterTestQueued))]
[JsonSerializable(typeof(MyBlog.Api.Staff.StaffDto))]
[JsonSerializable(typeof(MyBlog.Api.Staff.SignInStateDto))]
[JsonSerializable(typeof(MyBlog.Api.Staff.SetupRequest))]
[JsonSerializable(typeof(MyBlog.Api.Staff.EmailLinkRequest))]
[JsonSerializable(typeof(MyBlog.Api.Staff.EmailLinkRedeem))]
[JsonSerializable(typeof(MyBlog.Api.Staff.SignInAccepted))]
[JsonSerializable(typeof(MyBlog.Api.Staff.PasskeyChallengeDto))]
[JsonSerializable(typeof(MyBlog.Api.Staff.PasskeySignIn))]
[JsonSerializable(typeof(MyBlog.Api.Staff.StaffInvite))]
[JsonSerializable(typeof(MyBlog.Api.Staff.StaffList))]
[JsonSerializable(typeof(MyBlog.Api.Staff.StaffRoleChange))]
[JsonSerializable(typeof(MyBlog.Api.Staff.SessionList))]
[JsonSerializable(typeof(MyBlog.Api.Staff.ApiKeyRequest))]
[JsonSerializable(typeof(MyBlog.Api.Staff.ApiKeyList))]
[JsonSerializable(typeof(MyBlog.Api.Staff.NewApiKeyDto))]
[JsonSerializable(typeof(MyBlog.Api.Staff.PasskeyRegistration))]
[JsonSerializable(typeof(MyBlog.Api.Staff.PasskeyDto))]
[JsonSerializable(typeof(MyBlog.Api.Staff.PasskeyList))]
internal sealed partial class ApiJson : JsonSerializerContext;
