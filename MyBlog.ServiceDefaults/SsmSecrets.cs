using System.Text.Json;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace MyBlog.ServiceDefaults;

/// <summary>
/// Secrets on AWS come from SSM Parameter Store at start-up, never from the template or the environment: the
/// environment names only the parameter. <c>Secrets__Admin__SetupCode=/myblog/setup-code</c> reads that SecureString
/// (decrypted) and puts its value under <c>Admin:SetupCode</c> — a JSON object spreads its properties under the key
/// (<c>{"A": "…", "B": "…"}</c> → <c>…:A</c>, <c>…:B</c>), a plain string is the key's value. Locally there is no <c>Secrets</c> section and nothing is read.
/// </summary>
public static class SsmSecrets
{
    public const string Section = "Secrets";

    public static TBuilder AddSsmSecrets<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Leaf keys: Secrets:Admin:SetupCode → key "Admin:SetupCode".
        var secrets = builder.Configuration.GetSection(Section).AsEnumerable(makePathsRelative: true)
            .Where(pair => !string.IsNullOrEmpty(pair.Value))
            .Select(pair => (Key: pair.Key, Value: pair.Value!))
            .ToList();
        if (secrets.Count == 0)
        {
            return builder;
        }
        var region = builder.Configuration["Aws:Region"] ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";
        using var ssm = new AmazonSimpleSystemsManagementClient(Amazon.RegionEndpoint.GetBySystemName(region));
        var values = new Dictionary<string, string?>();
        foreach (var secret in secrets)
        {
            // Once per process start (a Lambda cold start); failing here fails the start, which is what we want.
            var response = ssm.GetParameterAsync(new GetParameterRequest { Name = secret.Value, WithDecryption = true }).GetAwaiter().GetResult();
            Expand(secret.Key, response.Parameter.Value, values);
        }
        builder.Configuration.AddInMemoryCollection(values);
        return builder;
    }

    /// <summary>Puts a parameter's value under <paramref name="section"/>: a JSON object's properties, or the value itself.</summary>
    public static void Expand(string section, string value, IDictionary<string, string?> into)
    {
        if (value.TrimStart().StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(value);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    into[$"{section}:{property.Name}"] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                }
                return;
            }
            catch (JsonException)
            {
                // Not JSON after all: the whole value is the secret.
            }
        }
        into[section] = value;
    }
}
