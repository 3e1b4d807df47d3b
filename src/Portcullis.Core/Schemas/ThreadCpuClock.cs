using System.Runtime.InteropServices;

namespace Portcullis.Core.Schemas;

/// <summary>
/// Timestamps that advance only while the calling thread runs on a CPU (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), so a
/// budget of matching time charges what the matching cost, not the time the thread waited for a core on a loaded
/// machine. Elsewhere it falls back to the wall clock. Only differences on one thread are meaningful.
/// </summary>
internal sealed partial class ThreadCpuClock : TimeProvider
{
    private const int ClockThreadCpuTimeId = 3;
    private const long NanosecondsPerSecond = 1_000_000_000;

    public static readonly ThreadCpuClock Instance = new();

    private static readonly bool Available = OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out _) == 0;

    private ThreadCpuClock()
    {
    }

    public override long TimestampFrequency => Available ? NanosecondsPerSecond : base.TimestampFrequency;

    public override long GetTimestamp()
    {
        if (Available && ClockGetTime(ClockThreadCpuTimeId, out var now) == 0)
        {
            return (now.Seconds * NanosecondsPerSecond) + now.Nanoseconds;
        }

        return base.GetTimestamp();
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec value);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
