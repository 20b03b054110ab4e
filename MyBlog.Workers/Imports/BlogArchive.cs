using System.Buffers.Binary;
using System.IO.Compression;

namespace MyBlog.Workers.Imports;

/// <summary>
/// An uploaded .zip, opened with hostile input in mind. Nothing is ever extracted to a path: entries are read into
/// memory one at a time, each within a limit, so a name like <c>../../etc/passwd</c> can only be refused, never
/// written. Refused as a whole: more than <see cref="MaxEntries"/> entries, more than <see cref="MaxTotalBytes"/> once
/// unpacked. Refused one by one, each with its reason: names that climb out of the archive or are absolute, symbolic
/// links, entries larger than their kind allows, entries that inflate more than <see cref="MaxRatio"/> times (a zip
/// bomb's signature) — checked against the bytes actually inflated, not only what the entry declares.
/// </summary>
public sealed class BlogArchive : IDisposable
{
    public const int MaxEntries = 10_000;
    public const long MaxTotalBytes = 1024L * 1024 * 1024;
    public const int MaxRatio = 200;

    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _files = new(StringComparer.Ordinal);
    private readonly List<(string Name, string Reason)> _refused = [];

    private BlogArchive(ZipArchive zip) => _zip = zip;

    /// <summary>Readable files by their path inside the archive (a common top folder, as a zipped site has, removed).</summary>
    public IReadOnlyCollection<string> Paths => _files.Keys;

    /// <summary>Entries that will not be read, and why.</summary>
    public IReadOnlyList<(string Name, string Reason)> Refused => _refused;

    /// <summary>Opens <paramref name="stream"/> (seekable: a zip's directory is at its end); a <see cref="InvalidDataException"/> refuses it all.</summary>
    public static BlogArchive Open(Stream stream)
    {
        // The zip library reads the whole central directory when it opens an archive: its size and entry count are
        // checked first, from the end-of-central-directory record, so a directory of millions of entries is refused
        // before it is read.
        CheckDirectory(stream);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"This is not a readable .zip archive ({ex.Message}).", ex);
        }
        var archive = new BlogArchive(zip);
        try
        {
            archive.Index();
        }
        catch
        {
            archive.Dispose();
            throw;
        }
        return archive;
    }

    /// <summary>At most this much central directory is read: ten thousand entries with long names, and room to spare.</summary>
    public const long MaxDirectoryBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Reads the end-of-central-directory record (and its Zip64 form) and refuses an archive whose directory declares
    /// more than <see cref="MaxEntries"/> entries or more than <see cref="MaxDirectoryBytes"/>. Not finding the record
    /// is left to the zip library, which says the archive is not one.
    /// </summary>
    private static void CheckDirectory(Stream stream)
    {
        const int recordLength = 22;
        var tailLength = (int)Math.Min(stream.Length, recordLength + ushort.MaxValue);
        var tail = new byte[tailLength];
        stream.Position = stream.Length - tailLength;
        stream.ReadExactly(tail);
        stream.Position = 0;
        var at = -1;
        for (var i = tailLength - recordLength; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == 0x06054b50)
            {
                at = i;
                break;
            }
        }
        if (at < 0)
        {
            return;
        }
        long entries = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(at + 10));
        long size = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(at + 12));
        // Zip64: the counts live in a record the locator just before this one points at.
        if ((entries == ushort.MaxValue || size == uint.MaxValue) && at >= 20
            && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(at - 20)) == 0x07064b50)
        {
            var record = (long)BinaryPrimitives.ReadUInt64LittleEndian(tail.AsSpan(at - 20 + 8));
            if (record >= 0 && record <= stream.Length - 56)
            {
                var zip64 = new byte[56];
                stream.Position = record;
                stream.ReadExactly(zip64);
                stream.Position = 0;
                if (BinaryPrimitives.ReadUInt32LittleEndian(zip64) == 0x06064b50)
                {
                    entries = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(zip64.AsSpan(32)), long.MaxValue);
                    size = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(zip64.AsSpan(40)), long.MaxValue);
                }
            }
        }
        if (entries > MaxEntries)
        {
            throw new InvalidDataException($"The archive has {entries:N0} entries; an import takes at most {MaxEntries:N0}.");
        }
        if (size > MaxDirectoryBytes)
        {
            throw new InvalidDataException($"The archive's list of files is {size / (1024 * 1024):N0} MB; an import reads at most {MaxDirectoryBytes / (1024 * 1024)} MB of it.");
        }
    }

    private void Index()
    {
        var entries = _zip.Entries;
        if (entries.Count > MaxEntries)
        {
            throw new InvalidDataException($"The archive has {entries.Count:N0} entries; an import takes at most {MaxEntries:N0}.");
        }
        var declared = entries.Sum(e => e.Length);
        if (declared > MaxTotalBytes)
        {
            throw new InvalidDataException($"The archive unpacks to {declared / (1024 * 1024):N0} MB; an import takes at most {MaxTotalBytes / (1024 * 1024):N0} MB.");
        }
        var files = new List<(string Path, ZipArchiveEntry Entry)>();
        foreach (var entry in entries)
        {
            var name = entry.FullName;
            if (name.EndsWith('/'))
            {
                continue; // a directory
            }
            if (Unsafe(name) is { } reason)
            {
                _refused.Add((name, reason));
                continue;
            }
            // The type bits of a Unix mode, which zip tools keep in the high half of the external attributes.
            if ((entry.ExternalAttributes >> 16 & 0xF000) == 0xA000)
            {
                _refused.Add((name, "A symbolic link; links are not followed."));
                continue;
            }
            if (IsNoise(name))
            {
                continue;
            }
            files.Add((name, entry));
        }
        // A zipped site usually sits in one folder ("myblog/content/…"): read from inside it.
        var top = files.Select(f => f.Path.Split('/')[0]).Distinct().ToList();
        var prefix = top is [var folder] && files.All(f => f.Path.Contains('/')) && !MeaningfulFolders.Contains(folder) ? folder + "/" : "";
        foreach (var (path, entry) in files)
        {
            _files.TryAdd(path[prefix.Length..], entry);
        }
    }

    /// <summary>Why a name cannot be a path inside the archive, or null.</summary>
    public static string? Unsafe(string name)
    {
        if (name.Contains('\\') || name.StartsWith('/') || name.Contains(':') || name.Any(char.IsControl))
        {
            return "The name is an absolute path or not a portable one; entries are read by their place in the archive.";
        }
        if (name.Split('/').Any(segment => segment is ".." or "."))
        {
            return "The name climbs out of the archive (..).";
        }
        return null;
    }

    /// <summary>Folders that are part of a blog's layout, never a wrapper around it.</summary>
    private static readonly HashSet<string> MeaningfulFolders = ["content", "_posts", "_drafts", "static", "assets", "images", "posts"];

    /// <summary>What operating systems leave in archives: never part of a blog.</summary>
    private static bool IsNoise(string name) =>
        name.StartsWith("__MACOSX/", StringComparison.Ordinal) || name.Split('/')[^1] is ".DS_Store" or "Thumbs.db" or "desktop.ini";

    public bool Contains(string path) => _files.ContainsKey(path);

    public long DeclaredLength(string path) => _files[path].Length;

    /// <summary>
    /// The file's bytes, at most <paramref name="maxBytes"/>; an <see cref="InvalidDataException"/> says why not
    /// (too large, inflating like a zip bomb, damaged).
    /// </summary>
    public byte[] Read(string path, long maxBytes)
    {
        var entry = _files[path];
        if (entry.Length > maxBytes)
        {
            throw new InvalidDataException($"{Size(entry.Length)} is more than the {Size(maxBytes)} such a file may have.");
        }
        if (entry.Length > 1024 * 1024 && entry.Length / Math.Max(1, entry.CompressedLength) > MaxRatio)
        {
            throw new InvalidDataException($"It inflates {entry.Length / Math.Max(1, entry.CompressedLength):N0} times (a zip bomb's signature); refused.");
        }
        using var stream = entry.Open();
        var buffer = new MemoryStream((int)Math.Min(entry.Length, maxBytes) + 1);
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > maxBytes || buffer.Length + read > Math.Max(entry.Length, 0))
            {
                throw new InvalidDataException("It inflates to more than its entry declares; refused.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>A text file as UTF-8 (a byte-order mark dropped).</summary>
    public string ReadText(string path, long maxBytes) => System.Text.Encoding.UTF8.GetString(Read(path, maxBytes)).TrimStart('\uFEFF');

    private static string Size(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MB" : $"{bytes / 1024.0:0.#} KB";

    public void Dispose() => _zip.Dispose();
}
