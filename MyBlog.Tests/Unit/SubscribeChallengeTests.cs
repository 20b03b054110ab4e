using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MyBlog.Api.Hosting;
using MyBlog.Core.Subscribers;

namespace MyBlog.Tests.Unit;

/// <summary>The subscribe form's proof of work, and who counts as one reader for the per-reader limits.</summary>
public sealed class SubscribeChallengeTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private SubscribeChallenge Challenges(int difficulty = 12, string key = "a-link-key-0123456789abcdef0123456789") => new(
        Options.Create(new SubscribeChallengeOptions { Difficulty = difficulty }),
        Options.Create(new SubscriberLinkOptions { LinkKey = key }), _time);

    [Fact]
    public void A_solved_challenge_subscribes_the_address_it_was_solved_for_and_no_other()
    {
        var challenges = Challenges();
        var ticket = challenges.Issue();
        var nonce = SubscribeChallenge.Solve(ticket, "ada@example.com");

        Assert.Null(challenges.Check(ticket.Challenge, nonce, "ada@example.com"));
        Assert.NotNull(challenges.Check(ticket.Challenge, nonce, "bob@example.com"));
        Assert.Contains("decimal", challenges.Check(ticket.Challenge, "x1", "ada@example.com"));
        // The solver returns the first nonce that works: every one before it does not.
        for (var smaller = 0L; smaller < long.Parse(nonce, System.Globalization.CultureInfo.InvariantCulture); smaller += 97)
        {
            Assert.Contains("does not solve", challenges.Check(ticket.Challenge, smaller.ToString(System.Globalization.CultureInfo.InvariantCulture), "ada@example.com"));
        }
    }

    [Fact]
    public void A_challenge_from_another_key_an_expired_one_or_one_easier_than_asked_now_counts_for_nothing()
    {
        var ticket = Challenges().Issue();
        var nonce = SubscribeChallenge.Solve(ticket, "ada@example.com");

        Assert.Contains("not one this site issued", Challenges(key: "another-key-0123456789abcdef0123456789").Check(ticket.Challenge, nonce, "ada@example.com"));
        Assert.Contains("not one this site issued", Challenges(difficulty: 20).Check(ticket.Challenge, nonce, "ada@example.com"));
        Assert.Contains("not one this site issued", Challenges().Check(ticket.Challenge[..^3] + "AAA", nonce, "ada@example.com"));
        Assert.Contains("not one this site issued", Challenges().Check("%%%" + new string('A', 2000), nonce, "ada@example.com"));
        Assert.Contains("JavaScript", Challenges().Check(null, null, "ada@example.com"));
        _time.Advance(new SubscribeChallengeOptions().Lifetime + TimeSpan.FromSeconds(1));
        Assert.Contains("expired", Challenges().Check(ticket.Challenge, nonce, "ada@example.com"));
        Assert.Null(Challenges(difficulty: 0).Check(null, null, "ada@example.com")); // the check is off
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    public void An_IPv6_reader_is_counted_by_its_slash_64_and_an_IPv4_one_by_its_address(string address, string partition) =>
        Assert.Equal(partition, ClientPartition.Of(IPAddress.Parse(address)));
}
