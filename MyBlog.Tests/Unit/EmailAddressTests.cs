using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Unit;

public sealed class EmailAddressTests
{
    [Theory]
    [InlineData("ada@example.com", "ada@example.com")]
    [InlineData("  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com")]
    [InlineData("first+tag@sub.example.co.uk", "first+tag@sub.example.co.uk")]
    [InlineData("user@bücher.de", "user@xn--bcher-kva.de")]
    [InlineData("o'brien@example.ie", "o'brien@example.ie")]
    public void Valid_addresses_are_normalized(string input, string expected)
    {
        Assert.True(EmailAddress.TryParse(input, out var address, out var error), error);
        Assert.Equal(expected, address.Value);
    }

    [Fact]
    public void Two_spellings_of_one_mailbox_normalize_to_the_same_subscriber_id()
    {
        EmailAddress.TryParse("Ada@Example.com", out var a, out _);
        EmailAddress.TryParse(" ada@EXAMPLE.com", out var b, out _);
        Assert.Equal(Integration.TestTopology.Ids.IdFor(a!), Integration.TestTopology.Ids.IdFor(b!));
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("   ", "required")]
    [InlineData("no-at-sign.example.com", "exactly one @")]
    [InlineData("two@@example.com", "exactly one @")]
    [InlineData("@example.com", "exactly one @")]
    [InlineData("ada@", "exactly one @")]
    [InlineData("ada@localhost", "domain")]
    [InlineData("ada@127.0.0.1", "domain")]
    [InlineData("ada@-bad-.com", "domain")]
    [InlineData(".ada@example.com", "before the @")]
    [InlineData("a..da@example.com", "before the @")]
    [InlineData("Ada <ada@example.com>", "single email address")]
    [InlineData("ada@example.com, eve@example.com", "single email address")]
    [InlineData("ada@example.com\r\nBcc: eve@example.com", "control characters")]
    [InlineData("ada@example.com\nBcc:eve@example.com", "control characters")]
    [InlineData("ada\u0000@example.com", "control characters")]
    public void Invalid_addresses_are_refused_with_a_reason(string? input, string reasonFragment)
    {
        Assert.False(EmailAddress.TryParse(input, out _, out var error));
        Assert.Contains(reasonFragment, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_address_longer_than_254_characters_is_refused()
    {
        var local = new string('a', 64);
        var domain = string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + ".com";
        Assert.False(EmailAddress.TryParse($"{local}@{domain}", out _, out var error));
        Assert.Contains("254", error);
    }

    [Fact]
    public void A_local_part_longer_than_64_characters_is_refused()
    {
        Assert.False(EmailAddress.TryParse(new string('a', 65) + "@example.com", out _, out _));
    }
}
