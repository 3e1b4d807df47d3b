using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Portcullis.Core.Errors;
using Portcullis.Core.Schemas;

namespace Portcullis.Benchmarks;

/// <summary>
/// Validation of typical add_note arguments against the sample's effective schema (the CRM's schema
/// tightened by the sample overlay), relative to parsing the same arguments alone.
/// </summary>
[MemoryDiagnoser]
public class SchemaValidationBenchmarks
{
    private const string Upstream = """
        {"type":"object","properties":{
          "contact_id":{"description":"The contact's id.","type":"string"},
          "body":{"description":"The note's text.","type":"string"},
          "visibility":{"description":"Who may see the note.","type":["string","null"],"default":null}},
         "required":["contact_id","body"]}
        """;

    private const string Overlay = """
        {"required":["contact_id","body"],
         "properties":{"body":{"maxLength":2000},"visibility":{"enum":["internal","shared"]}}}
        """;

    private const string Valid = """{"contact_id":"c-1001","body":"Called about the renewal; wants the annual plan.","visibility":"shared"}""";

    private const string Invalid = """{"body":"Called about the renewal; wants the annual plan.","visibility":"public","extra":1}""";

    private CompiledSchema _effective = null!;
    private CompiledSchema _loose = null!;

    [GlobalSetup]
    public void Setup()
    {
        var upstream = JsonDocument.Parse(Upstream).RootElement.Clone();
        var merged = SchemaOverlay.Merge(upstream, JsonNode.Parse(Overlay)!.AsObject());
        _effective = SchemaCompiler.TryCompile(merged.Schema, out _)!;
        _loose = SchemaCompiler.TryCompile(upstream, out _)!;
    }

    [Benchmark(Baseline = true, Description = "parse valid arguments only")]
    public int ParseOnly()
    {
        using var document = JsonDocument.Parse(Valid);
        return document.RootElement.GetPropertyCount();
    }

    [Benchmark(Description = "valid, upstream's loose schema")]
    public int ValidLoose() => Validate(_loose, Valid).Count;

    [Benchmark(Description = "valid, effective schema")]
    public int ValidEffective() => Validate(_effective, Valid).Count;

    [Benchmark(Description = "invalid (3 violations), effective schema")]
    public int InvalidEffective() => Validate(_effective, Invalid).Count;

    private static IReadOnlyList<ErrorDetail> Validate(CompiledSchema schema, string arguments)
    {
        using var document = JsonDocument.Parse(arguments);
        return schema.Validate(document.RootElement);
    }
}
