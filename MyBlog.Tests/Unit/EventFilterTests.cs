using System.Text.Json.Nodes;
using MyBlog.Core;
using MyBlog.LocalAws.Delivery;

namespace MyBlog.Tests.Unit;

public sealed class EventFilterTests
{
    private static JsonObject Record(string eventName, string pk) => JsonNode.Parse($$$"""
        {"eventName":"{{{eventName}}}","eventSource":"aws:dynamodb",
         "dynamodb":{"Keys":{"pk":{"S":"{{{pk}}}"},"sk":{"S":"PROFILE"}},"SequenceNumber":"1"}}
        """)!.AsObject();

    private static readonly EventFilter NewSubscriber = new([StreamSubscriptions.NewSubscriberFilter]);

    [Fact]
    public void New_subscriber_filter_passes_subscriber_inserts_only()
    {
        Assert.True(NewSubscriber.Matches(Record("INSERT", "SUBSCRIBER#abc")));
        Assert.False(NewSubscriber.Matches(Record("MODIFY", "SUBSCRIBER#abc")));
        Assert.False(NewSubscriber.Matches(Record("REMOVE", "SUBSCRIBER#abc")));
        Assert.False(NewSubscriber.Matches(Record("INSERT", "POST#abc")));
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
