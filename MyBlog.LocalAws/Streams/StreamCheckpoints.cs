using System.Text.Json;
using Microsoft.Extensions.Options;
using MyBlog.LocalAws.Delivery;

namespace MyBlog.LocalAws.Streams;

/// <summary>
/// How far each stream mapping has read each shard, kept in a file when the local data outlives a run: Lambda keeps
/// an event source mapping's position across deploys, so a restarted LocalAws must neither deliver a change again
/// nor skip one written while it was away. Without a state directory the positions live in memory only, which is
/// right for the in-memory table.
/// </summary>
public sealed class StreamCheckpoints
{
    private readonly string? _file;
    private readonly Dictionary<string, string> _positions;
    private readonly Lock _gate = new();

    public StreamCheckpoints(IOptions<LocalAwsOptions> options, ILogger<StreamCheckpoints> logger)
    {
        _file = options.Value.StateDirectory is { Length: > 0 } directory ? Path.Combine(directory, "stream-checkpoints.json") : null;
        _positions = [];
        if (_file is not null && File.Exists(_file))
        {
            try
            {
                _positions = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(_file)) ?? [];
                logger.LogInformation("Stream positions restored from {File} ({Count} shards)", _file, _positions.Count);
            }
            catch (JsonException ex)
            {
                // A torn or edited file: reading the stream from its start again only repeats work the handlers
                // already treat as done (every one of them is idempotent), which is safer than skipping anything.
                logger.LogWarning("Stream positions in {File} are unreadable ({Message}); reading from the start", _file, ex.Message);
            }
        }
    }

    public string? Get(string streamArn, string mapping, string shardId)
    {
        lock (_gate)
        {
            return _positions.GetValueOrDefault(Key(streamArn, mapping, shardId));
        }
    }

    public void Set(string streamArn, string mapping, string shardId, string? sequenceNumber)
    {
        if (sequenceNumber is null)
        {
            return;
        }
        lock (_gate)
        {
            if (_positions.GetValueOrDefault(Key(streamArn, mapping, shardId)) == sequenceNumber)
            {
                return;
            }
            _positions[Key(streamArn, mapping, shardId)] = sequenceNumber;
            if (_file is not null)
            {
                // Written whole and renamed into place, so a crash leaves the old positions or the new, never half.
                var temporary = _file + ".tmp";
                File.WriteAllText(temporary, JsonSerializer.Serialize(_positions));
                File.Move(temporary, _file, overwrite: true);
            }
        }
    }

    private static string Key(string streamArn, string mapping, string shardId) => $"{streamArn}|{mapping}|{shardId}";
}
