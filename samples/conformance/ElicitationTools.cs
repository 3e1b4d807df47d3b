using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using static ModelContextProtocol.Protocol.ElicitRequestParams;

namespace Portcullis.Samples.Conformance;

/// <summary>The tools of the suite's elicitation scenarios: each asks the calling client a question.</summary>
[McpServerToolType]
internal sealed class ElicitationTools
{
    [McpServerTool(Name = "test_elicitation", ReadOnly = true), Description("Asks the user for input")]
    public static Task<string> Elicit(McpServer server, [Description("Message to show the user")] string message, CancellationToken cancellationToken) =>
        AskAsync(server, message, new RequestSchema { Properties = { ["response"] = new StringSchema { Description = "The user's response" } } }, cancellationToken);

    [McpServerTool(Name = "test_elicitation_sep1034_defaults", ReadOnly = true), Description("Asks for input with defaults for every primitive type")]
    public static Task<string> Defaults(McpServer server, CancellationToken cancellationToken) =>
        AskAsync(server, "Test elicitation with default values", new RequestSchema
        {
            Properties =
            {
                ["name"] = new StringSchema { Description = "User name", Default = "John Doe" },
                ["age"] = new NumberSchema { Type = "integer", Description = "User age", Default = 30 },
                ["score"] = new NumberSchema { Description = "User score", Default = 95.5 },
                ["status"] = new UntitledSingleSelectEnumSchema { Description = "User status", Enum = ["active", "inactive", "pending"], Default = "active" },
                ["verified"] = new BooleanSchema { Description = "Verification status", Default = true },
            },
        }, cancellationToken);

    [McpServerTool(Name = "test_elicitation_sep1330_enums", ReadOnly = true), Description("Asks for input with every enum variant")]
    public static Task<string> Enums(McpServer server, CancellationToken cancellationToken) =>
        AskAsync(server, "Test elicitation with enum schemas", new RequestSchema
        {
            Properties =
            {
                ["untitledSingle"] = new UntitledSingleSelectEnumSchema { Description = "Choose an option", Enum = ["option1", "option2", "option3"] },
                ["titledSingle"] = new TitledSingleSelectEnumSchema
                {
                    Description = "Choose a titled option",
                    OneOf = [new() { Const = "value1", Title = "First Option" }, new() { Const = "value2", Title = "Second Option" }, new() { Const = "value3", Title = "Third Option" }],
                },
#pragma warning disable MCP9001 // The suite checks that the deprecated enumNames form still passes.
                ["legacyEnum"] = new LegacyTitledEnumSchema { Description = "Choose a legacy option", Enum = ["opt1", "opt2", "opt3"], EnumNames = ["Option One", "Option Two", "Option Three"] },
#pragma warning restore MCP9001
                ["untitledMulti"] = new UntitledMultiSelectEnumSchema { Description = "Choose options", Items = new UntitledEnumItemsSchema { Enum = ["option1", "option2", "option3"] } },
                ["titledMulti"] = new TitledMultiSelectEnumSchema
                {
                    Description = "Choose titled options",
                    Items = new TitledEnumItemsSchema
                    {
                        AnyOf = [new() { Const = "value1", Title = "First Choice" }, new() { Const = "value2", Title = "Second Choice" }, new() { Const = "value3", Title = "Third Choice" }],
                    },
                },
            },
        }, cancellationToken);

    private static async Task<string> AskAsync(McpServer server, string message, RequestSchema schema, CancellationToken cancellationToken)
    {
        var result = await server.ElicitAsync(new ElicitRequestParams { Message = message, RequestedSchema = schema }, cancellationToken);
        var content = result.Content is null ? "{}" : JsonSerializer.Serialize(result.Content);
        return $"Elicitation completed: action={result.Action}, content={content}";
    }
}
