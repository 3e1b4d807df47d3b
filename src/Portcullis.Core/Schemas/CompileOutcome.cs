namespace Portcullis.Core.Schemas;

/// <summary>A compiled schema, or why the schema could not be compiled.</summary>
internal sealed record CompileOutcome(CompiledSchema? Schema, string? Failure);
