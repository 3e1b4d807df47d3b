using System.Text.Json.Serialization;
using Portcullis.Core.Relay;
using Portcullis.Core.Sessions;

namespace Portcullis.Stores.Redis;

[JsonSerializable(typeof(SessionRecord))]
[JsonSerializable(typeof(PendingCallRoute))]
internal sealed partial class RedisJson : JsonSerializerContext;
