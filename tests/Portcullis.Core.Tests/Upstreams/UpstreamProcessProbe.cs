using System.Globalization;
using Portcullis.Core.Upstreams.Stdio;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>What the tests of a stdio upstream's process start give it, and read of it from <c>/proc</c>.</summary>
internal static class UpstreamProcessProbe
{
    /// <summary>A launch of <paramref name="command"/> with the test host's PATH (or the given environment only).</summary>
    public static StdioLaunch Launch(string command, string[] arguments, string? folder = null, IReadOnlyDictionary<string, string?>? environment = null) =>
        new("test", command, arguments, folder, environment ?? new Dictionary<string, string?> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") }, 1 << 20, TimeSpan.FromSeconds(5));

    /// <summary>The process group and session of <paramref name="pid"/>.</summary>
    public static (int Group, int Session) GroupAndSession(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
    }
}
