using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Unit;

public sealed class SubscriberTokenTests
{
    [Fact]
    public void Only_the_hash_is_kept_and_it_matches_the_token()
    {
        var (token, hash) = SubscriberToken.Create();
        Assert.NotEqual(token, hash);
        Assert.DoesNotContain(token, hash);
        Assert.True(SubscriberToken.Matches(token, hash));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("forged")]
    public void A_wrong_or_missing_token_does_not_match(string? token)
    {
        var (_, hash) = SubscriberToken.Create();
        Assert.False(SubscriberToken.Matches(token, hash));
    }

    [Fact]
    public void Tokens_are_unique()
    {
        Assert.NotEqual(SubscriberToken.Create().Token, SubscriberToken.Create().Token);
    }
}
