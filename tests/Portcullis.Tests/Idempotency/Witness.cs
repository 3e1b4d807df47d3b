using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using ModelContextProtocol.Protocol;

namespace Portcullis.Tests.Idempotency;

/// <summary>What really happened upstream: the CRM's own database and the fixture's record of calls.</summary>
internal static class Witness
{
    public static long NotesWithBody(string dataDir, string body)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "crm.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM notes WHERE body = $b";
        command.Parameters.AddWithValue("$b", body);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The arguments of every recorded call of <paramref name="tool"/> whose note is <paramref name="note"/>.</summary>
    public static List<JsonObject> Recorded(string path, string tool, string? note)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        string[] lines;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
        {
            lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        return [.. lines
            .Select(line => JsonNode.Parse(line)!.AsObject())
            .Where(call => call["tool"]!.GetValue<string>() == tool && call["arguments"]?["note"]?.GetValue<string>() == note)
            .Select(call => call["arguments"]!.AsObject())];
    }

    public static string? ErrorCode(CallToolResult result) =>
        result.IsError == true && result.StructuredContent is { } structured && structured.TryGetProperty("error", out var error)
            ? error.GetProperty("code").GetString()
            : null;

    public static JsonObject Error(CallToolResult result) =>
        JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!["error"]!.AsObject();

    /// <summary>Content and structured content as JSON, without <c>_meta</c>: what must be identical on a replay.</summary>
    public static string Payload(CallToolResult result) =>
        JsonSerializer.Serialize(result.Content, ModelContextProtocol.McpJsonUtilities.DefaultOptions)
        + "|" + (result.StructuredContent?.GetRawText() ?? "null")
        + "|" + (result.IsError == true);
}
