using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Schemas;

/// <summary>
/// One request carrying thousands of strings built to make a backtracking pattern run for ages: the call's single
/// pattern budget bounds the work, and the answer says which values were not checked.
/// </summary>
public sealed class PatternBudgetTests
{
    /// <summary><c>declared_tags</c> declares draft-07 (<c>$schema</c>): before, the library then matched patterns without any budget.</summary>
    [Theory]
    [InlineData("tags")]
    [InlineData("declared_tags")]
    public async Task CallTool_TenThousandHostileStringsAgainstAPatternOverlay_AnsweredWithinTheBudget(string tool)
    {
        using var dir = new TempDir();

        // The backreference keeps the pattern off the linear engine: (a+)+ then backtracks exponentially on "a…ab".
        var tools = new JsonObject
        {
            [tool] = new JsonObject
            {
                ["read_only"] = true,
                ["input_schema"] = JsonNode.Parse("""{"properties": {"tags": {"items": {"pattern": "^(a+)+\\1$"}}}}"""),
            },
        };
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", [tool], tools: tools));
        config["limits"] = new JsonObject { ["pattern_budget_ms"] = 100 };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var hostile = Enumerable.Repeat(new string('a', 28) + "b", 10_000).ToArray();

        // Matched one by one without a budget, each string would take a second or more: this call would take hours.
        var result = await client.CallToolAsync(tool, new Dictionary<string, object?> { ["tags"] = hostile }, cancellationToken: Timeouts.CallToken);

        var details = AssertError(result, "invalid_arguments", retryable: false)["details"]!.AsArray();
        Assert.Equal(101, details.Count);
        Assert.Single(details, d => d!["message"]!.GetValue<string>().Contains("could not be checked against the pattern in time", StringComparison.Ordinal));
        Assert.Equal(99, details.Count(d => d!["message"]!.GetValue<string>().Contains("was not checked", StringComparison.Ordinal)));
        Assert.Equal("and 9900 more problem(s) not listed; fix the ones above first", details[^1]!["message"]!.GetValue<string>());
        Assert.False(gateway.HasExited);
    }
}
