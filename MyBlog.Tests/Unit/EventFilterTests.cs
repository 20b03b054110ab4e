using System.Text.Json.Nodes;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.LocalAws.Delivery;

namespace MyBlog.Tests.Unit;

public sealed class EventFilterTests
{
    private static JsonObject Record(string eventName, string pk) => JsonNode.Parse($$$"""
        {"eventName":"{{{eventName}}}","eventSource":"aws:dynamodb",
         "dynamodb":{"Keys":{"pk":{"S":"{{{pk}}}"},"sk":{"S":"PROFILE"}},"SequenceNumber":"1"}}
        """)!.AsObject();

    /// <summary>A subscriber record whose images do or do not carry the owed-welcome marker.</summary>
    private static JsonObject Subscriber(string eventName, bool? oldOwed, bool? newOwed)
    {
        var record = Record(eventName, "SUBSCRIBER#abc");
        JsonObject Image(bool owed) => owed
            ? new JsonObject { ["status"] = new JsonObject { ["S"] = "pending" }, ["welcomeDueAt"] = new JsonObject { ["N"] = "1795000000000" } }
            : new JsonObject { ["status"] = new JsonObject { ["S"] = "pending" } };
        if (oldOwed is { } o)
        {
            record["dynamodb"]!["OldImage"] = Image(o);
        }
        if (newOwed is { } n)
        {
            record["dynamodb"]!["NewImage"] = Image(n);
        }
        return record;
    }

    private static readonly EventFilter WelcomeOwed = new(AwsFunctions.WelcomeMail.Stream.FilterPatterns);

    [Fact]
    public void A_change_of_the_site_s_settings_reaches_the_publisher_and_nothing_else()
    {
        var settings = Record("MODIFY", MyBlog.Core.Settings.SettingsStore.PartitionKey);
        Assert.True(new EventFilter(AwsFunctions.Publish.Stream.FilterPatterns).Matches(settings));
        Assert.False(WelcomeOwed.Matches(settings));
        Assert.False(new EventFilter(AwsFunctions.Publish.Stream.FilterPatterns).Matches(Record("MODIFY", "SITE#PUBLISHER")));
    }

    [Fact]
    public void A_subscriber_from_an_imported_list_is_left_to_the_sweep()
    {
        var imported = Subscriber("INSERT", oldOwed: null, newOwed: true);
        imported["dynamodb"]!["NewImage"]!["importId"] = new JsonObject { ["S"] = "0123456789abcdef0123456789abcdef" };
        Assert.False(WelcomeOwed.Matches(imported));
        Assert.True(WelcomeOwed.Matches(Subscriber("INSERT", oldOwed: null, newOwed: true)));
    }

    [Fact]
    public void Welcome_filter_passes_a_new_debt_only_a_new_subscriber_or_one_owed_a_welcome_again()
    {
        Assert.True(WelcomeOwed.Matches(Subscriber("INSERT", oldOwed: null, newOwed: true)));
        Assert.True(WelcomeOwed.Matches(Subscriber("MODIFY", oldOwed: false, newOwed: true)));

        // Claims, retries, the send and confirming or unsubscribing never come back to the mailer.
        Assert.False(WelcomeOwed.Matches(Subscriber("MODIFY", oldOwed: true, newOwed: true)));
        Assert.False(WelcomeOwed.Matches(Subscriber("MODIFY", oldOwed: true, newOwed: false)));
        Assert.False(WelcomeOwed.Matches(Subscriber("MODIFY", oldOwed: false, newOwed: false)));
        Assert.False(WelcomeOwed.Matches(Subscriber("INSERT", oldOwed: null, newOwed: false)));
        Assert.False(WelcomeOwed.Matches(Subscriber("REMOVE", oldOwed: true, newOwed: null)));
        var post = Record("INSERT", "POST#abc");
        post["dynamodb"]!["NewImage"] = new JsonObject { ["welcomeDueAt"] = new JsonObject { ["N"] = "1" } };
        Assert.False(WelcomeOwed.Matches(post));
    }

    [Fact]
    public void Exists_false_matches_where_a_parent_of_the_path_is_missing_too()
    {
        var filter = new EventFilter(["""{"dynamodb":{"OldImage":{"welcomeDueAt":{"N":[{"exists":false}]}}}}"""]);
        Assert.True(filter.Matches(Subscriber("INSERT", oldOwed: null, newOwed: true)));
        Assert.True(filter.Matches(Subscriber("MODIFY", oldOwed: false, newOwed: true)));
        Assert.False(filter.Matches(Subscriber("MODIFY", oldOwed: true, newOwed: true)));
        var equalsUnderMissing = new EventFilter(["""{"dynamodb":{"OldImage":{"status":{"S":["published"]}}}}"""]);
        Assert.False(equalsUnderMissing.Matches(Subscriber("INSERT", oldOwed: null, newOwed: true)));
    }

    [Fact]
    public void Exists_anything_but_and_suffix_follow_Lambda_semantics()
    {
        var record = Record("INSERT", "SUBSCRIBER#abc");
        Assert.True(new EventFilter(["""{"dynamodb":{"Keys":{"sk":{"S":[{"exists":true}]}}}}"""]).Matches(record));
        Assert.True(new EventFilter(["""{"dynamodb":{"NewImage":[{"exists":false}]}}"""]).Matches(record));
        Assert.True(new EventFilter(["""{"eventName":[{"anything-but":["REMOVE"]}]}"""]).Matches(record));
        Assert.False(new EventFilter(["""{"eventName":[{"anything-but":"INSERT"}]}"""]).Matches(record));
        Assert.True(new EventFilter(["""{"dynamodb":{"Keys":{"pk":{"S":[{"suffix":"#abc"}]}}}}"""]).Matches(record));
    }

    [Fact]
    public void Several_patterns_are_alternatives_and_no_pattern_passes_everything()
    {
        var either = new EventFilter(["""{"eventName":["REMOVE"]}""", """{"eventName":["INSERT"]}"""]);
        Assert.True(either.Matches(Record("INSERT", "X")));
        Assert.True(new EventFilter([]).Matches(Record("MODIFY", "X")));
    }

    [Fact]
    public void An_unknown_operator_filters_out_rather_than_through()
    {
        Assert.False(new EventFilter(["""{"eventName":[{"wildcard-typo":"*"}]}"""]).Matches(Record("INSERT", "X")));
    }
}
