using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Unit;

public sealed class SubscribeRequestTests
{
    [Fact]
    public void Name_is_optional_and_trimmed()
    {
        Assert.True(new SubscribeRequest("ada@example.com", "  Ada  ").TryValidate(out var withName, out _));
        Assert.Equal("Ada", withName.Name);
        Assert.True(new SubscribeRequest("ada@example.com", "   ").TryValidate(out var blank, out _));
        Assert.Null(blank.Name);
        Assert.True(new SubscribeRequest("ada@example.com", null).TryValidate(out var none, out _));
        Assert.Null(none.Name);
    }

    [Fact]
    public void Errors_name_the_field()
    {
        Assert.False(new SubscribeRequest("not-an-address", new string('x', 101)).TryValidate(out _, out var errors));
        Assert.Contains("email", errors.Keys);
        Assert.Contains("name", errors.Keys);
    }

    [Fact]
    public void A_name_with_a_line_break_cannot_become_a_header()
    {
        Assert.False(new SubscribeRequest("ada@example.com", "Ada\r\nBcc: eve@example.com").TryValidate(out _, out var errors));
        Assert.Contains("control characters", errors["name"][0]);
    }
}
