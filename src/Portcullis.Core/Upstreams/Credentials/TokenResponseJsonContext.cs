using System.Text.Json.Serialization;

namespace Portcullis.Core.Upstreams.Credentials;

[JsonSerializable(typeof(TokenResponse))]
internal sealed partial class TokenResponseJsonContext : JsonSerializerContext;
