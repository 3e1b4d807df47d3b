using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Portcullis.Core.Schemas;

[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IDictionary<string, JsonElement>))]
internal sealed partial class SchemaJsonContext : JsonSerializerContext;
