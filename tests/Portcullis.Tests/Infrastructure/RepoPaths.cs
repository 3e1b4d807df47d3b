namespace Portcullis.Tests.Infrastructure;

/// <summary>Where the built programs live, in the repository's artifacts layout.</summary>
internal static class RepoPaths
{
    public static readonly string Root = FindRoot();

    public static string Gateway => Dll("Portcullis", "portcullis");

    /// <summary>Samples build into one folder whatever the configuration (samples/Directory.Build.props).</summary>
    public static string Crm => Sample("Portcullis.Samples.Crm");

    public static string ConformanceSample => Sample("Portcullis.Samples.Conformance");

    public static string Fixture => Dll("Portcullis.Fixtures.Upstream", "Portcullis.Fixtures.Upstream");

    private static string Sample(string project) => Path.Combine(Root, "artifacts", "samples", project, project + ".dll");

    private static string Dll(string project, string assembly)
    {
#if DEBUG
        const string configuration = "debug";
#else
        const string configuration = "release";
#endif
        return Path.Combine(Root, "artifacts", "bin", project, configuration, assembly + ".dll");
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portcullis.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Portcullis.slnx not found above the test folder.");
    }
}
