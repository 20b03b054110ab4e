using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Microsoft.Extensions.Options;
using MyBlog.Core;
using MyBlog.Core.Staff;

namespace MyBlog.Api.Staff;

/// <summary>The browser's answers to the two ceremonies, as <c>PublicKeyCredential.toJSON()</c> writes them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AuthenticatorAttestationRawResponse))]
[JsonSerializable(typeof(AuthenticatorAssertionRawResponse))]
internal sealed partial class PasskeyJson : JsonSerializerContext;

/// <summary>
/// The WebAuthn ceremonies (the Fido2 library checks the answers: challenge, origin, relying party, signature,
/// flags). The relying party is the site's host, and the only origin accepted is the site's own, so a passkey made
/// for the blog works nowhere else and a look-alike site cannot use one. Passkeys are discoverable (resident): the
/// person signs in without typing an address, and the sign-in page cannot be asked whether an address has an account.
/// </summary>
public sealed class Passkeys(PasskeyStore store, IOptions<MyBlogOptions> site)
{
    private const string Register = "register";
    private const string SignIn = "sign-in";

    private readonly Fido2 _fido2 = new(new Fido2Configuration
    {
        RPID = site.Value.SiteUri.Host,
        RPName = site.Value.SiteName,
        Origins = new HashSet<string> { site.Value.SiteUri.GetLeftPart(UriPartial.Authority) },
    });

    /// <summary>Options for a new passkey of <paramref name="person"/>, excluding the ones they have.</summary>
    public async Task<(string ChallengeId, JsonElement Options)> RegistrationOptionsAsync(StaffMember person, CancellationToken ct)
    {
        var existing = await store.ListAsync(person.Id, ct);
        var options = _fido2.RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = Encoding.UTF8.GetBytes(person.Id), Name = person.Email, DisplayName = person.Name },
            ExcludeCredentials = [.. existing.Select(p => new PublicKeyCredentialDescriptor(Base64UrlDecode(p.CredentialId)))],
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Required,
                UserVerification = UserVerificationRequirement.Required,
            },
            AttestationPreference = AttestationConveyancePreference.None,
        });
        var json = options.ToJson();
        return (await store.SaveChallengeAsync(Register, person.Id, json, ct), JsonDocument.Parse(json).RootElement.Clone());
    }

    /// <summary>Checks a new passkey's answer and keeps it; the reason when it is refused.</summary>
    public async Task<(StaffPasskey? Passkey, string? Refused)> RegisterAsync(
        StaffMember person, string? challengeId, string name, JsonElement credential, CancellationToken ct)
    {
        if (await store.TakeChallengeAsync(challengeId, Register, person.Id, ct) is not { } optionsJson)
        {
            return (null, "The passkey's challenge is unknown, used or out of date; start again.");
        }
        AuthenticatorAttestationRawResponse? answer;
        try
        {
            answer = credential.Deserialize(PasskeyJson.Default.AuthenticatorAttestationRawResponse);
        }
        catch (JsonException ex)
        {
            return (null, "The browser's answer could not be read: " + ex.Message);
        }
        if (answer is null)
        {
            return (null, "The browser's answer is missing.");
        }
        try
        {
            var made = await _fido2.MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = answer,
                OriginalOptions = CredentialCreateOptions.FromJson(optionsJson),
                IsCredentialIdUniqueToUserCallback = async (args, token) =>
                    await store.GetAsync(person.Id, Base64Url(args.CredentialId), token) is null,
            }, ct);
            var passkey = new StaffPasskey(person.Id, Base64Url(made.Id), name, made.PublicKey, made.SignCount, DateTimeOffset.UtcNow, null);
            await store.SaveAsync(passkey, ct);
            return (passkey, null);
        }
        catch (Fido2VerificationException ex)
        {
            return (null, "The passkey was refused: " + ex.Message);
        }
    }

    /// <summary>Options for signing in with any of the blog's passkeys (the browser offers the ones it has).</summary>
    public async Task<(string ChallengeId, JsonElement Options)> SignInOptionsAsync(CancellationToken ct)
    {
        var options = _fido2.GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = [],
            UserVerification = UserVerificationRequirement.Required,
        });
        var json = options.ToJson();
        return (await store.SaveChallengeAsync(SignIn, null, json, ct), JsonDocument.Parse(json).RootElement.Clone());
    }

    /// <summary>The person a sign-in answer proves, or null (one vague reason for every failure: nothing to learn from it).</summary>
    public async Task<string?> SignInAsync(string? challengeId, JsonElement credential, CancellationToken ct)
    {
        if (await store.TakeChallengeAsync(challengeId, SignIn, null, ct) is not { } optionsJson)
        {
            return null;
        }
        try
        {
            var answer = credential.Deserialize(PasskeyJson.Default.AuthenticatorAssertionRawResponse);
            if (answer?.Response?.UserHandle is not { Length: > 0 } handle)
            {
                return null;
            }
            var staffId = Encoding.UTF8.GetString(handle);
            if (!StaffSecrets.IsId(staffId) || await store.GetAsync(staffId, Base64Url(answer.RawId), ct) is not { } passkey)
            {
                return null;
            }
            var result = await _fido2.MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = answer,
                OriginalOptions = AssertionOptions.FromJson(optionsJson),
                StoredPublicKey = passkey.PublicKey,
                StoredSignatureCounter = passkey.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) =>
                    Task.FromResult(Encoding.UTF8.GetString(args.UserHandle) == staffId && Base64Url(args.CredentialId) == passkey.CredentialId),
            }, ct);
            return await store.NoteUseAsync(passkey, result.SignCount, ct) ? staffId : null;
        }
        catch (Exception ex) when (ex is Fido2VerificationException or JsonException or FormatException)
        {
            return null;
        }
    }

    public static string Base64Url(byte[] bytes) => StaffSecrets.Base64Url(bytes);

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }
}
