using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Schemas;

/// <summary>
/// Requests built to make the schema check run for ages (thousands of strings against a backtracking pattern, a value
/// deep enough to follow references 2^40 times): the call's budget bounds the work, and the answer says what was not checked.
/// </summary>
public sealed class CheckBudgetTests
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
        Assert.Equal(102, details.Count);
        Assert.Equal("budget", details[0]!["keyword"]!.GetValue<string>());
        Assert.Single(details, d => d!["message"]!.GetValue<string>().Contains("could not be checked against the pattern in time", StringComparison.Ordinal));
        Assert.Equal(99, details.Count(d => d!["message"]!.GetValue<string>().Contains("was not checked", StringComparison.Ordinal)));
        Assert.Equal("and 9900 more problem(s) not listed; fix the ones above first", details[^1]!["message"]!.GetValue<string>());
        Assert.False(gateway.HasExited);
    }

    /// <summary>
    /// Before, the library followed references without any limit: this call, 40 levels deep against an upstream schema
    /// that reaches each level along two references, would have held a core for ever (18 levels took 28 s).
    /// </summary>
    [Fact]
    public async Task CallTool_ValueThatFollowsReferencesExponentially_AnsweredWithinTheBudgetAndTheGatewayServesOn()
    {
        using var dir = new TempDir();
        var tools = new JsonObject { ["branching_ref"] = new JsonObject { ["read_only"] = true } };
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["branching_ref"], tools: tools));
        config["limits"] = new JsonObject { ["schema_budget_ms"] = 200 };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var deep = JsonNode.Parse(string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40))!;
        var shallow = JsonNode.Parse("""{"a": {"a": "leaf"}}""")!;

        var refused = await client.CallToolAsync("branching_ref", new Dictionary<string, object?> { ["a"] = deep["a"] }, cancellationToken: Timeouts.CallToken);
        var passed = await client.CallToolAsync("branching_ref", new Dictionary<string, object?> { ["a"] = shallow["a"] }, cancellationToken: Timeouts.CallToken);

        var details = AssertError(refused, "invalid_arguments", retryable: false)["details"]!.AsArray();
        // The budget's detail, then the first reference or branch it cut off, deep in the value (the references run out
        // at a level's $ref or at its anyOf, whichever asks first once the time is spent).
        Assert.Equal("budget", details[0]!["keyword"]!.GetValue<string>());
        Assert.Contains(details[1]!["keyword"]!.GetValue<string>(), new[] { "$ref", "anyOf" });
        Assert.StartsWith("/a/a", details[1]!["path"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("was not checked: the check spent its time", details[1]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(passed.IsError != true, string.Join(" ", passed.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(c => c.Text)));
        Assert.False(gateway.HasExited);
    }
}
