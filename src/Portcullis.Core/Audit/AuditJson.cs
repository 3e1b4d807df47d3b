using System.Buffers;
using System.Globalization;
using Portcullis.Core.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portcullis.Core.Audit;

/// <summary>An audit event as one JSON object with snake_case fields, absent fields left out; and back.</summary>
public static class AuditJson
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = VisibleJsonEncoder.Instance };

    /// <summary>
    /// For a document that holds a caller's arguments or an upstream's schema (the admin API, the review webhook): those
    /// nest as deep as the transport takes (64 levels), and the document's own members add a few more, past
    /// System.Text.Json's default of 64, where writing would throw.
    /// </summary>
    public static readonly JsonSerializerOptions DocumentOptions = new() { Encoder = VisibleJsonEncoder.Instance, MaxDepth = 128 };

    /// <summary>
    /// The arguments as a store kept them; null for text that is not a JSON object (a hand-edited or damaged row), so
    /// that one such row fails neither the page of the admin API nor the <c>audit</c> command that holds it.
    /// </summary>
    public static JsonObject? StoredArguments(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The event as UTF-8 JSON on one line (no line breaks inside: strings escape them).</summary>
    public static byte[] ToUtf8(AuditEvent e)
    {
        using var buffer = new MemoryStream(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, e);
        }

        return buffer.ToArray();
    }

    /// <summary>Each event as UTF-8 JSON on its own line, each line ended by a line feed, into <paramref name="output"/>.</summary>
    public static void WriteLines(IReadOnlyList<AuditEvent> events, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        foreach (var e in events)
        {
            Write(writer, e);
            writer.Flush();
            output.Write("\n"u8);
            writer.Reset(output);
        }
    }

    public static void Write(Utf8JsonWriter writer, AuditEvent e)
    {
        writer.WriteStartObject();
        writer.WriteString("time", FormatTime(e.Time));
        writer.WriteString("correlation_id", e.CorrelationId);
        writer.WriteString("environment", e.Environment);
        Optional(writer, "connector", e.Connector);
        Optional(writer, "principal", e.Principal);
        Optional(writer, "client_id", e.ClientId);
        writer.WriteString("kind", e.Kind);
        Optional(writer, "tool", e.Tool);
        Optional(writer, "resource", e.Resource);
        Optional(writer, "prompt", e.Prompt);
        Optional(writer, "arguments_sha256", e.ArgumentsSha256);
        writer.WriteString("decision", e.Decision);
        Optional(writer, "code", e.Code);
        Optional(writer, "stage", e.Stage);
        if (e.UpstreamReached is { } reached)
        {
            writer.WriteBoolean("upstream_reached", reached);
        }

        if (e.Replay is { } replay)
        {
            writer.WriteBoolean("replay", replay);
        }

        if (e.DurationMs is { } duration)
        {
            writer.WriteNumber("duration_ms", Math.Round(duration, 3));
        }

        Optional(writer, "detail", e.Detail);
        Optional(writer, "actor", e.Actor);
        Optional(writer, "remote_address", e.RemoteAddress);
        if (e.Count is { } count)
        {
            writer.WriteNumber("count", count);
        }

        if (e.Arguments is { } arguments)
        {
            writer.WritePropertyName("arguments");
            arguments.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Reads an event written by <see cref="Write"/>; null when the JSON is not one.</summary>
    public static AuditEvent? Read(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object
            || Text(json, "time") is not { } time
            || !DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            || Text(json, "correlation_id") is not { } correlationId
            || Text(json, "kind") is not { } kind
            || Text(json, "decision") is not { } decision)
        {
            return null;
        }

        return new AuditEvent
        {
            Time = at,
            CorrelationId = correlationId,
            Environment = Text(json, "environment") ?? "",
            Kind = kind,
            Decision = decision,
            Connector = Text(json, "connector"),
            Principal = Text(json, "principal"),
            ClientId = Text(json, "client_id"),
            Tool = Text(json, "tool"),
            Resource = Text(json, "resource"),
            Prompt = Text(json, "prompt"),
            ArgumentsSha256 = Text(json, "arguments_sha256"),
            Code = Text(json, "code"),
            Stage = Text(json, "stage"),
            UpstreamReached = Flag(json, "upstream_reached"),
            Replay = Flag(json, "replay"),
            // A number past a double's range reads as infinity, which no JSON can hold: the event could not be shown.
            DurationMs = json.TryGetProperty("duration_ms", out var d) && d.ValueKind == JsonValueKind.Number && d.TryGetDouble(out var ms) && double.IsFinite(ms) ? ms : null,
            Detail = Text(json, "detail"),
            Actor = Text(json, "actor"),
            RemoteAddress = Text(json, "remote_address"),
            Count = json.TryGetProperty("count", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt64(out var n) ? n : null,
            Arguments = json.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.Object ? JsonNode.Parse(a.GetRawText())!.AsObject() : null,
        };
    }

    private static void Optional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool? Flag(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;
}
