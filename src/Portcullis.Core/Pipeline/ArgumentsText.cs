using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Portcullis.Core.Pipeline;

/// <summary>A call's arguments as text.</summary>
internal static class ArgumentsText
{
    /// <summary>The arguments as one JSON object, every value as the client sent it (not canonicalized, nothing redacted).</summary>
    public static string AsSent(IEnumerable<KeyValuePair<string, JsonElement>> arguments)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in arguments)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
