using System.Text.Json;
using Json.Schema;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Schemas;

/// <summary>A schema built once, ready to judge instances; its violations come back in the gateway's words.</summary>
internal sealed class CompiledSchema
{
    /// <summary>The verdict alone: what most calls need, about half the work and allocation of <see cref="Described"/>.</summary>
    private static readonly EvaluationOptions Verdict = Checking(OutputFormat.Flag);

    /// <summary>Every result node, from which <see cref="ViolationMessages"/> describes what failed.</summary>
    private static readonly EvaluationOptions Described = Checking(OutputFormat.List);

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
    /// cut-off part, and its first detail says so. A value is judged first for its verdict alone; only a value that fails
    /// (or was cut off) with time left is judged again to describe why, under the same budget
    /// (<see cref="CheckBudget.GiveBackPatternTime"/>), so describing the violations counts against it too.
    /// </remarks>
    public IReadOnlyList<ErrorDetail> Validate(JsonElement instance, CheckBudget? budget = null)
    {
        budget ??= CheckBudget.Default();
        var cutOffsBefore = budget.CutOffs;
        using (budget.Enter())
        {
            var patternTime = budget.PatternTimeSpent;
            if (_schema.Evaluate(instance, Verdict).IsValid && budget.CutOffs == cutOffsBefore)
            {
                return [];
            }

            // The verdict's result nodes are not kept, the description's are (about 1 KB each), and what the budget does
            // not cut (properties, items) would run again in full: a value whose verdict was cut off for want of the
            // whole time is not described again, only where the first subschema was cut off. One whose verdict is
            // known is described even so, as far as the time left allows (a key checked after the arguments spent it).
            if (budget.CutOffs != cutOffsBefore && !budget.HasTimeLeft())
            {
                return ViolationMessages.NotCheckedInTimeAt(budget.FirstNotChecked);
            }

            budget.GiveBackPatternTime(patternTime);
            var results = _schema.Evaluate(instance, Described);
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

    /// <summary>Options that assert <c>format</c> (<see cref="CheckedFormats"/>).</summary>
    private static EvaluationOptions Checking(OutputFormat output) =>
        new() { OutputFormat = output, RequireFormatValidation = true, FormatRegistry = CheckedFormats.Registry };
}
