using Portcullis.Core.Configuration;

namespace Portcullis.Cli;

/// <summary>Loads a configuration for a verb, printing every error when it is bad.</summary>
internal static class ConfigErrors
{
    public const int ExitCode = 2;

    public static GatewayConfig? TryLoad(FileInfo file, ConfigOverrides overrides, TextWriter error)
    {
        try
        {
            return ConfigLoader.Load(file.FullName, overrides);
        }
        catch (ConfigException ex)
        {
            error.WriteLine(ex.Message);
            return null;
        }
    }
}
