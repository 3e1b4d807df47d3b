using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Portcullis.Core.Idempotency;

[JsonSerializable(typeof(JsonObject))]
internal sealed partial class IdempotencyJsonContext : JsonSerializerContext;
