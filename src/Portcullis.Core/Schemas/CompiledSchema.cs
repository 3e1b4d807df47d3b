using System.Text.Json;
using Json.Schema;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Schemas;

/// <summary>A schema built once, ready to judge instances; its violations come back in the gateway's words.</summary>
internal sealed class CompiledSchema
{
    private static readonly EvaluationOptions Options = new()
    {
        OutputFormat = OutputFormat.List,
        RequireFormatValidation = true,
    };

    private readonly JsonSchema _schema;

    public CompiledSchema(JsonSchema schema, JsonElement source)
    {
        _schema = schema;
        Source = source;
    }

    /// <summary>The schema's JSON, the source of the values the messages quote.</summary>
    public JsonElement Source { get; }

    /// <summary>Every violation of the schema by <paramref name="instance"/>; empty when it is valid.</summary>
    /// <param name="instance">The value to judge.</param>
    /// <param name="budget">The call's pattern budget, shared with its other validations; none bounds only each match.</param>
    public IReadOnlyList<ErrorDetail> Validate(JsonElement instance, PatternBudget? budget = null)
    {
        EvaluationResults results;
        using (budget?.Enter())
        {
            results = _schema.Evaluate(instance, Options);
        }

        return results.IsValid ? [] : ViolationMessages.From(results, Source, instance);
    }
}
