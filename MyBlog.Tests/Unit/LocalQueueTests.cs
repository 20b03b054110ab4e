using Microsoft.Extensions.Time.Testing;
using MyBlog.Aws.Events;
using MyBlog.LocalAws.Queues;

namespace MyBlog.Tests.Unit;

public sealed class LocalQueueTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-27T10:00:00Z"));
    private readonly LocalQueue _dlq;
    private readonly LocalQueue _queue;

    public LocalQueueTests()
    {
        _dlq = new LocalQueue("dlq", TimeSpan.Zero, int.MaxValue, null, _time);
        _queue = new LocalQueue("thumbnails", TimeSpan.FromSeconds(30), maxReceiveCount: 3, _dlq, _time);
    }

    [Fact]
    public void A_received_message_is_hidden_for_the_visibility_timeout_then_comes_back()
    {
        var id = _queue.Send("photo");
        var first = Assert.Single(_queue.Receive(10));
        Assert.Equal((id, 1), (first.MessageId, first.ReceiveCount));
        Assert.Empty(_queue.Receive(10));

        _time.Advance(TimeSpan.FromSeconds(31));
        var again = Assert.Single(_queue.Receive(10));
        Assert.Equal((id, 2), (again.MessageId, again.ReceiveCount));
        Assert.NotEqual(first.ReceiptHandle, again.ReceiptHandle);
        Assert.Equal(first.FirstReceivedAt, again.FirstReceivedAt);
    }

    [Fact]
    public async Task A_waiting_receiver_wakes_when_a_hidden_message_becomes_visible_again()
    {
        _queue.Send("photo");
        _queue.Receive(1);
        var wait = _queue.WaitAsync(TimeSpan.FromMinutes(5), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(wait.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Single(_queue.Receive(1));
    }

    [Fact]
    public void Only_the_latest_receipt_handle_deletes()
    {
        _queue.Send("photo");
        var first = _queue.Receive(1)[0];
        _time.Advance(TimeSpan.FromSeconds(31));
        var second = _queue.Receive(1)[0];

        Assert.False(_queue.Delete(first.ReceiptHandle));
        Assert.True(_queue.Delete(second.ReceiptHandle));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(_queue.Receive(10));
    }

    [Fact]
    public void After_the_maximum_receive_count_the_message_moves_to_the_dead_letter_queue_keeping_its_id()
    {
        var id = _queue.Send("poison");
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, Assert.Single(_queue.Receive(10)).ReceiveCount);
            _time.Advance(TimeSpan.FromSeconds(31));
        }

        Assert.Empty(_queue.Receive(10));
        Assert.Equal((0, 0), _queue.Counts());
        var dead = Assert.Single(_dlq.Peek());
        Assert.Equal((id, "poison"), (dead.MessageId, dead.Body));
    }

    [Fact]
    public void A_batch_takes_at_most_the_batch_size_oldest_first()
    {
        var ids = Enumerable.Range(0, 7).Select(i => _queue.Send($"m{i}")).ToList();
        Assert.Equal(ids.Take(5), _queue.Receive(5).Select(m => m.MessageId));
        Assert.Equal(ids.Skip(5), _queue.Receive(5).Select(m => m.MessageId));
        Assert.Equal((0, 7), _queue.Counts());
    }

    [Theory]
    [InlineData("uploads/caf%C3%A9+%C3%BCber+photo+%2B1.jpg", "uploads/café über photo +1.jpg")]
    [InlineData("uploads/0123456789abcdef0123456789abcdef/original", "uploads/0123456789abcdef0123456789abcdef/original")]
    [InlineData("uploads/%E5%86%99%E7%9C%9F+%281%29.png", "uploads/写真 (1).png")]
    public void S3_event_keys_are_form_decoded_and_LocalAws_encodes_them_the_same_way(string encoded, string key)
    {
        Assert.Equal(key, S3ObjectEntity.DecodeKey(encoded));
        Assert.Equal(key, S3ObjectEntity.DecodeKey(S3NotificationsApi.EncodeKey(key)));
    }
}
