using System.Runtime.InteropServices;

namespace MyBlog.Workers.Thumbnails;

/// <summary>
/// Makes the C library's allocator give large freed blocks straight back to the operating system. ImageSharp holds
/// pixels in native memory; glibc serves blocks of 128 KB and more from their own mappings at first, but raises that
/// threshold each time such a block is freed, after which a decoded photo's blocks come from the heap and stay part
/// of the process once freed. A function that makes one photo's variants at a time then keeps the peak of the photo
/// before, and the one before that. Fixing the threshold keeps every large block its own mapping, unmapped when freed.
/// Process-wide and idempotent; nothing on systems without glibc.
/// </summary>
public static class NativeHeap
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD in glibc's malloc.h
    private const int LargeBlockBytes = 128 * 1024; // glibc's own starting threshold

    private static int _done;

    public static void ReturnLargeBlocksOnFree()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _done, 1) == 1)
        {
            return;
        }
        try
        {
            _ = mallopt(MmapThreshold, LargeBlockBytes);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Another C library (musl): its allocator already unmaps large blocks when they are freed.
        }
    }

    [DllImport("libc.so.6", ExactSpelling = true)]
    private static extern int mallopt(int param, int value);
}
