using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>The errors the loader finds in a config text: none when it loads.</summary>
internal static class ParseErrors
{
    public static IReadOnlyList<ConfigError> Of(string json, string baseDirectory)
    {
        try
        {
            ConfigLoader.Parse(json, baseDirectory, "test.json");
            return [];
        }
        catch (ConfigException ex)
        {
            return ex.Errors;
        }
    }
}
