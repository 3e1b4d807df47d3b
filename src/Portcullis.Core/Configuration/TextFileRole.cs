namespace Portcullis.Core.Configuration;

/// <summary>
/// What a file read through <see cref="ConfigFileText"/> is, in the words its refusals use: "give the path of the
/// <paramref name="Noun"/> itself", "far more than <paramref name="Bulk"/> holds", "such as <paramref name="Example"/>".
/// </summary>
internal sealed record TextFileRole(string Noun, string Bulk, string Example)
{
    public static readonly TextFileRole Config = new("config file", "a config", "portcullis.json");

    public static readonly TextFileRole LockFile = new("lock file", "a lock file", Pins.LockFile.FileName);
}
