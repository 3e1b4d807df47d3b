using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Portcullis.Core.Errors;

[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext;
