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
    /// <param name="budget">The check's budget, shared by the validations of one check (a call's arguments and its key); none gives a budget of the defaults.</param>
    /// <remarks>
    /// A check that cut off a match or a subschema for want of time does not pass, whatever the schema made of the
    /// cut-off part, and its first detail says so. Describing the violations counts against the budget too.
    /// </remarks>
    public IReadOnlyList<ErrorDetail> Validate(JsonElement instance, CheckBudget? budget = null)
    {
        budget ??= CheckBudget.Default();
        var cutOffsBefore = budget.CutOffs;
        using (budget.Enter())
        {
            var results = _schema.Evaluate(instance, Options);
            var cutOff = budget.CutOffs != cutOffsBefore;
            if (results.IsValid)
            {
                return cutOff ? [ViolationMessages.NotCheckedInTime] : [];
            }

            // What a cut-off made fail is listed too (the branches of an anyOf that could not be checked): the budget first.
            var details = ViolationMessages.From(results, Source, instance, budget);
            return cutOff && details[0] != ViolationMessages.NotCheckedInTime ? [ViolationMessages.NotCheckedInTime, .. details] : details;
        }
    }
}
