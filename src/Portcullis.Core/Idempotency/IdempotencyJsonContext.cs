using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Portcullis.Core.Idempotency;

[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class IdempotencyJsonContext : JsonSerializerContext;
