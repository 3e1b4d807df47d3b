using System.Text.Json.Serialization;

namespace Portcullis.Stores.Postgres;

[JsonSerializable(typeof(string[]))]
internal sealed partial class PostgresJson : JsonSerializerContext;
