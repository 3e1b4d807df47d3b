using System.Globalization;

namespace Portcullis.Tests.Infrastructure;

/// <summary>Process groups, read from <c>/proc</c>.</summary>
internal static class ProcessGroups
{
    /// <summary>The group of process <paramref name="pid"/>, or null once it is gone or a zombie.</summary>
    public static int? GroupOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // "pid (comm) state ppid pgrp …": the command name may hold spaces and parentheses, so read after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[0] == "Z" ? null : int.Parse(fields[2], CultureInfo.InvariantCulture);
    }

    /// <summary>The live processes of group <paramref name="group"/>.</summary>
    public static IReadOnlyList<int> Members(int group) =>
        Directory.EnumerateDirectories("/proc")
            .Select(dir => int.TryParse(Path.GetFileName(dir), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && GroupOf(pid) == group)
            .ToList();
}
