using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>Every configuration in <see cref="RefusedConfigs"/> is refused, each mistake named at its path.</summary>
public sealed class ConfigRefusalTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-refusal-").FullName;

    public ConfigRefusalTests() => File.WriteAllText(Path.Combine(_base, "crm-server"), "");

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Theory]
    [MemberData(nameof(RefusedConfigs.Names), MemberType = typeof(RefusedConfigs))]
    public void Parse_RefusedConfig_NamesEveryMistakeAtItsPath(string name)
    {
        var refused = RefusedConfigs.Get(name);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(refused.Json, _base, "test.json"));

        var paths = ex.Errors.Select(e => e.Path).ToHashSet();
        foreach (var path in refused.Paths)
        {
            Assert.True(paths.Contains(path), $"{path} is not among the errors:\n{ex.Message}");
        }

        if (refused.Exactly)
        {
            Assert.True(paths.SetEquals(refused.Paths), ex.Message);
        }

        if (refused.Secret is { } secret)
        {
            Assert.DoesNotContain(secret, ex.Message, StringComparison.Ordinal);
        }

        if (refused.MessageContains is { } text)
        {
            Assert.Contains(text, ex.Message, StringComparison.Ordinal);
        }
    }
}
