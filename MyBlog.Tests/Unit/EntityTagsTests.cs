using Microsoft.Extensions.Primitives;
using MyBlog.ServiceDefaults;

namespace MyBlog.Tests.Unit;

/// <summary>If-None-Match as the edge and the API read it: weakly, as for a GET, whatever form the tag comes back in.</summary>
public sealed class EntityTagsTests
{
    [Theory]
    [InlineData("\"abc\"", true)]
    [InlineData("W/\"abc\"", true)] // the tag a CDN weakened when it compressed the answer
    [InlineData("  \"abc\"  ", true)]
    [InlineData("\"x\", \"abc\"", true)]
    [InlineData("\"x\",W/\"abc\"", true)]
    [InlineData("*", true)]
    [InlineData("\"x\", *", true)]
    [InlineData("\"abcd\"", false)]
    [InlineData("\"ab\"", false)]
    [InlineData("abc", false)] // not quoted: not this tag
    [InlineData("", false)]
    [InlineData(",,", false)]
    public void A_tag_matches_in_either_form_in_a_list_or_as_a_star(string header, bool matches)
    {
        Assert.Equal(matches, EntityTags.Matches(new StringValues(header), "\"abc\""));
        Assert.Equal(matches, EntityTags.Matches(new StringValues(header), "W/\"abc\"")); // a weak tag of ours compares the same way
    }

    [Fact]
    public void Each_header_line_counts_and_none_matches_nothing()
    {
        Assert.True(EntityTags.Matches(new StringValues(["\"x\"", "\"abc\""]), "\"abc\""));
        Assert.False(EntityTags.Matches(StringValues.Empty, "\"abc\""));
    }
}
