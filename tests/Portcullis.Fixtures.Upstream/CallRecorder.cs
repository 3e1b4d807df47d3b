using System.Text.Json;

namespace Portcullis.Fixtures.Upstream;

/// <summary>Appends each call the fixture receives to a file, so tests can see what crossed the gateway.</summary>
internal sealed class CallRecorder(string? path)
{
    private readonly Lock _gate = new();

    public void Record(string tool, object arguments)
    {
        if (path is null)
        {
            return;
        }

        var line = JsonSerializer.Serialize(new { tool, arguments });
        lock (_gate)
        {
            File.AppendAllText(path, line + "\n");
        }
    }
}
