using System.Text.Json.Nodes;

namespace Portcullis.Core.Pins;

/// <summary>One definition as the upstream lists it now, under the name (or URI) it is pinned by.</summary>
internal sealed record LiveDefinition(PinKind Kind, string Name, JsonObject Definition);
