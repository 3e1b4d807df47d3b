using System.ComponentModel;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// Checks, before each start of a stdio upstream, that what it needs exists, so the log names the missing file
/// instead of relaying a launcher's vague complaint (<c>dotnet</c> says only "the specified command or file was not found").
/// </summary>
internal static class UpstreamLaunch
{
    /// <summary>ENOENT: the error a start without such a file fails with.</summary>
    private const int NoSuchFile = 2;

    /// <summary>Extensions of a script or assembly an interpreter runs when it is the first argument (<c>dotnet app.dll</c>, <c>node server.js</c>).</summary>
    private static readonly string[] EntryExtensions = [".dll", ".js", ".mjs", ".cjs", ".py", ".jar"];

    /// <summary>Why the upstream cannot start, or null when its working folder, command and entry file all exist.</summary>
    public static string? FindMissing(UpstreamConfig upstream)
    {
        var workingDir = upstream.WorkingDir ?? Directory.GetCurrentDirectory();
        if (!Directory.Exists(workingDir))
        {
            return $"its working folder '{workingDir}' does not exist";
        }

        var command = upstream.Command!;
        if (Path.IsPathRooted(command))
        {
            if (!File.Exists(command))
            {
                return $"'{command}' does not exist";
            }
        }
        else if (!Resolvable(command))
        {
            return $"the command '{command}' is not on the PATH";
        }

        if (upstream.Args is [var first, ..] && !first.StartsWith('-') && HasEntryExtension(first))
        {
            var entry = Path.GetFullPath(first, workingDir);
            if (!File.Exists(entry))
            {
                return $"'{entry}' does not exist";
            }
        }

        return null;
    }

    private static bool HasEntryExtension(string argument) =>
        EntryExtensions.Any(e => argument.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The file Process.Start would run for <paramref name="command"/>, as a full path, or null when there is none:
    /// a rooted path as it is; else the gateway's own folder, its current folder, then the first executable on its PATH.
    /// </summary>
    public static string? Resolve(string command)
    {
        if (Path.IsPathRooted(command))
        {
            return command;
        }

        string[] names = OperatingSystem.IsWindows() ? [command, command + ".exe", command + ".cmd", command + ".bat"] : [command];
        string?[] near = [Path.GetDirectoryName(Environment.ProcessPath), Directory.GetCurrentDirectory()];
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return Candidates(near, names).FirstOrDefault(File.Exists)
            ?? Candidates(onPath, names).FirstOrDefault(path => File.Exists(path) && Executable(path));
    }

    /// <summary>The file to start for <paramref name="command"/> (<see cref="Resolve"/>).</summary>
    /// <exception cref="Win32Exception">There is none (ENOENT, as Process.Start would fail).</exception>
    public static string ResolveToStart(string command) =>
        Resolve(command) ?? throw new Win32Exception(NoSuchFile, $"no program '{command}' was found (a full path, beside the gateway, in its working folder or on its PATH)");

    private static IEnumerable<string> Candidates(IEnumerable<string?> folders, string[] names) =>
        folders.Where(folder => folder is not null).SelectMany(folder => names.Select(name => Path.GetFullPath(Path.Combine(folder!, name))));

    /// <summary>As Process.Start searches the PATH: a file no one may execute is passed over.</summary>
    private static bool Executable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    private static bool Resolvable(string command) => Resolve(command) is not null;
}
