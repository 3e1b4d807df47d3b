using System.Globalization;

namespace Portcullis.LoadTest;

/// <summary>
/// The whole machine's CPU time from <c>/proc/stat</c>: how many cores were busy over a window, whoever used them
/// (load generator, upstream, process under test). A row whose machine is near all its cores busy is bounded by the
/// machine, not by the process under test.
/// </summary>
internal readonly record struct MachineCpu(long Busy, long Total)
{
    /// <summary>The machine's online CPUs: one <c>cpuN</c> line each in <c>/proc/stat</c>, whatever limits this process.</summary>
    public static readonly int Cores = File.ReadLines("/proc/stat").Count(l => l.StartsWith("cpu", StringComparison.Ordinal) && char.IsDigit(l[3]));

    public static MachineCpu Now()
    {
        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is inside user already.
        // Idle, iowait and steal (time the hypervisor gave to someone else) are not this machine's work.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..9]
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var notBusy = fields[3] + fields[4] + fields[7];
        return new MachineCpu(fields.Sum() - notBusy, fields.Sum());
    }

    /// <summary>Busy cores between <paramref name="before"/> and this reading.</summary>
    public double BusyCoresSince(MachineCpu before) =>
        Total == before.Total ? 0 : (double)(Busy - before.Busy) / (Total - before.Total) * Cores;
}
