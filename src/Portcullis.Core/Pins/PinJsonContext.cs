using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Portcullis.Core.Pins;

[JsonSerializable(typeof(JsonNode))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class PinJsonContext : JsonSerializerContext;
