using System.IO.Compression;
using System.Text;

namespace MyBlog.Tests.Support;

/// <summary>Zip archives built in memory, as an old blog's export would be (and as an attacker would make one).</summary>
public sealed class TestArchive
{
    private readonly List<(string Name, byte[] Bytes, int? UnixMode, CompressionLevel Level)> _entries = [];

    public TestArchive Text(string name, string text) => Add(name, Encoding.UTF8.GetBytes(text));

    public TestArchive Add(string name, byte[] bytes, int? unixMode = null, CompressionLevel level = CompressionLevel.Fastest)
    {
        _entries.Add((name, bytes, unixMode, level));
        return this;
    }

    /// <summary>A symbolic link entry as Info-ZIP stores one: the target as content, S_IFLNK in the mode.</summary>
    public TestArchive Symlink(string name, string target) => Add(name, Encoding.UTF8.GetBytes(target), unixMode: 0xA1FF);

    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes, mode, level) in _entries)
            {
                var entry = zip.CreateEntry(name, level);
                if (mode is { } unix)
                {
                    entry.ExternalAttributes = unix << 16;
                }
                using var stream = entry.Open();
                stream.Write(bytes);
            }
        }
        return buffer.ToArray();
    }
}
