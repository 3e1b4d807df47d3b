using System.Text.Json;

namespace Portcullis.Core.Schemas;

/// <summary>The effective schema, and every place where the overlay tried to loosen the upstream's.</summary>
internal sealed record OverlayMerge(JsonElement Schema, IReadOnlyList<OverlayProblem> Problems);
