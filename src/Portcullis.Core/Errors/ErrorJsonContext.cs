using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Portcullis.Core.Errors;

[JsonSerializable(typeof(JsonObject))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext;
