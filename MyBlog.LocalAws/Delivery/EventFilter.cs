using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyBlog.LocalAws.Delivery;

/// <summary>
/// Lambda event filtering (the EventBridge pattern syntax) for the rules MyBlog uses and their close relatives:
/// exact values, <c>prefix</c>, <c>suffix</c>, <c>equals-ignore-case</c>, <c>exists</c> and <c>anything-but</c>.
/// A pattern key must be present in the event and match; nested objects match recursively; an array lists
/// alternatives; <c>exists: false</c> matches wherever the path is absent, an absent parent included. An unknown
/// operator never matches, so a typo filters out rather than letting everything through.
/// </summary>
public sealed class EventFilter
{
    private readonly List<JsonObject> _patterns;

    public EventFilter(IEnumerable<string> patterns) =>
        _patterns = patterns.Select(p => JsonNode.Parse(p) as JsonObject
            ?? throw new ArgumentException($"Filter pattern is not a JSON object: {p}")).ToList();

    public bool Matches(JsonObject record) => _patterns.Count == 0 || _patterns.Any(p => MatchObject(p, record));

    private static bool MatchObject(JsonObject pattern, JsonObject? value)
    {
        foreach (var (key, rule) in pattern)
        {
            var field = value?[key];
            var present = value is not null && value.ContainsKey(key);
            var ok = rule switch
            {
                // A missing object matches only rules that ask for absence (exists: false below it).
                JsonObject nested => field is null or JsonObject && MatchObject(nested, field as JsonObject),
                JsonArray alternatives => alternatives.Any(a => MatchAlternative(a, field, present)),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static bool MatchAlternative(JsonNode? alternative, JsonNode? field, bool present)
    {
        if (alternative is JsonObject op)
        {
            return MatchOperator(op, field, present);
        }
        // Exact value; an array field matches when any element does.
        return present && Values(field).Any(v => JsonNode.DeepEquals(v, alternative));
    }

    private static bool MatchOperator(JsonObject op, JsonNode? field, bool present)
    {
        if (op.Count != 1)
        {
            return false;
        }
        var (name, argument) = op.First();
        var strings = Values(field).Select(v => v is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : null);
        return name switch
        {
            "exists" => argument?.GetValueKind() == JsonValueKind.True ? present : !present,
            "prefix" => present && argument is JsonValue p && strings.Any(s => s is not null && s.StartsWith(p.GetValue<string>(), StringComparison.Ordinal)),
            "suffix" => present && argument is JsonValue x && strings.Any(s => s is not null && s.EndsWith(x.GetValue<string>(), StringComparison.Ordinal)),
            "equals-ignore-case" => present && argument is JsonValue e && strings.Any(s => string.Equals(s, e.GetValue<string>(), StringComparison.OrdinalIgnoreCase)),
            "anything-but" => present && !Values(argument).Any(a => Values(field).Any(v => JsonNode.DeepEquals(v, a))),
            _ => false,
        };
    }

    private static IEnumerable<JsonNode?> Values(JsonNode? node) => node is JsonArray array ? array : new[] { node };
}
