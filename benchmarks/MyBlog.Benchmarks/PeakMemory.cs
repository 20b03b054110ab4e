using System.Diagnostics;
using System.Globalization;

namespace MyBlog.Benchmarks;

/// <summary>Peak resident memory (Linux's VmHWM in /proc/…/status), in kilobytes; -1 when it cannot be read.</summary>
public static class PeakMemory
{
    public static long OfSelfKb() => Read("/proc/self/status");

    public static long OfProcessKb(int pid) => Read($"/proc/{pid}/status");

    /// <summary>A process's resident memory now (VmRSS), in kilobytes; -1 when it cannot be read.</summary>
    public static long ResidentKb(int pid) => Read($"/proc/{pid}/status", "VmRSS:");

    /// <summary>The largest among the running processes with this name (0 when there is none).</summary>
    public static long OfProcessesKb(string name) =>
        Process.GetProcessesByName(name).Select(p => OfProcessKb(p.Id)).DefaultIfEmpty(0).Max();

    private static long Read(string statusFile, string field = "VmHWM:")
    {
        try
        {
            return File.ReadLines(statusFile).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal)) is { } line
                ? long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)
                : -1;
        }
        catch (IOException)
        {
            return -1; // the process ended between listing and reading
        }
    }
}
