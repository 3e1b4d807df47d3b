namespace Portcullis.Testing.Servers;

/// <summary>A temp folder for one server, removed when it stops.</summary>
internal static class ScratchDir
{
    public static string Create(string kind)
    {
        var path = Path.Combine(Path.GetTempPath(), "portcullis-tests", $"{kind}-{Guid.NewGuid():N}"[..(kind.Length + 13)]);
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Remove(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
