using System.CommandLine;

namespace Portcullis.Cli;

/// <summary>Options shared by several verbs.</summary>
internal static class CommonOptions
{
    public static Option<FileInfo> Config() => new("--config", "-c")
    {
        Description = "Path of the gateway's JSON configuration file.",
        Required = true,
    };

    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Folder for stores, keys and sample data (default: .data beside the config); overrides the config.",
    };
}
