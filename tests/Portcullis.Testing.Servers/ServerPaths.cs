namespace Portcullis.Testing.Servers;

/// <summary>Finds a server program on PATH or where Debian installs it (sbin may not be on a test runner's PATH).</summary>
public static class ServerPaths
{
    public static string Find(string program)
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"])
            .Concat(Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")) : []);
        foreach (var dir in candidates)
        {
            var path = Path.Combine(dir, program);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"{program} is not installed; scripts/install-test-deps.sh (run by scripts/test.sh) installs it.");
    }
}
