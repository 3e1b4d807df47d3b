using System.Text.Json.Serialization;

namespace Portcullis.Stores.Sqlite;

[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
