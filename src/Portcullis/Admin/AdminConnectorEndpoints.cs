using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Pipeline.Stages;
using Portcullis.Core.Security;
using Portcullis.Core.Tools;

namespace Portcullis.Admin;

/// <summary><c>/admin/api/connectors</c>: each connector with its upstream's state, and the effective policy of each tool.</summary>
internal static class AdminConnectorEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/connectors", (ConnectorRegistry connectors, GatewayConfig config) =>
            AdminResults.Json(new JsonObject { ["connectors"] = new JsonArray([.. connectors.All.Select(c => (JsonNode)Connector(c, config))]) }));
        api.MapGet("/connectors/{name}", (string name, ConnectorRegistry connectors, GatewayConfig config) =>
            connectors.TryGet(name, out var connector) ? AdminResults.Json(Connector(connector, config)) : NoConnector(name));
        api.MapGet("/connectors/{name}/tools", (string name, ConnectorRegistry connectors) =>
            connectors.TryGet(name, out var connector) ? AdminResults.Json(Tools(connector)) : NoConnector(name));
    }

    private static IResult NoConnector(string name) => AdminResults.NotFound($"No connector is named '{name}'.");

    private static JsonObject Connector(Connector connector, GatewayConfig config)
    {
        var c = connector.Config;
        var status = connector.Status;
        var upstream = new JsonObject
        {
            ["transport"] = c.Upstream.IsStdio ? "stdio" : "http",
            ["state"] = status.State.ToString().ToLowerInvariant(),
            ["up"] = status.State == Core.Upstreams.UpstreamState.Connected,
            ["restarts"] = status.Restarts,
            ["failed_starts"] = status.FailedStarts,
            ["next_attempt_at"] = status.NextAttemptAt is { } next ? AdminResults.Time(next) : null,
            ["last_error"] = status.LastError?.Text,
        };
        return new JsonObject
        {
            ["name"] = connector.Name,
            ["environment"] = c.Environment,
            ["endpoint"] = ResourceUris.For(config, connector.Name),
            ["auth"] = new JsonObject
            {
                ["mode"] = c.Auth.Mode,
                ["scopes"] = Strings(c.Auth.Scopes),
                ["step_up"] = c.Auth.StepUp,
                ["token_ttl_seconds"] = c.Auth.TokenTtlSeconds,
            },
            ["upstream"] = upstream,
            ["tools"] = connector.Catalog.Current.Ordered.Count,
            ["withheld"] = new JsonArray([.. connector.Refusals.Select(r => (JsonNode)new JsonObject { ["tool"] = r.Tool, ["reason"] = r.Reason })]),
            ["pins"] = connector.Pins.Current is null ? null : connector.Pins.Path,
            ["rate_limit"] = RateLimit(c.RateLimit),
        };
    }

    private static JsonObject Tools(Connector connector)
    {
        var catalog = connector.Catalog.Current;
        var tools = new JsonArray();
        foreach (var tool in catalog.Ordered)
        {
            tools.Add(Allowed(connector, tool));
        }

        foreach (var refusal in catalog.Refusals)
        {
            var refused = Refused(refusal.Tool, refusal.Message);
            refused["withheld"] = refusal.Reason;
            tools.Add(refused);
        }

        var listed = tools.Select(t => t!["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        foreach (var name in connector.Config.ToolsAllow.Where(n => !listed.Contains(n)))
        {
            tools.Add(Refused(name, "allow-listed but not offered by the upstream"));
        }

        foreach (var name in catalog.NotAllowed)
        {
            tools.Add(Refused(name, "not in tools_allow"));
        }

        return new JsonObject { ["connector"] = connector.Name, ["tools"] = tools };
    }

    private static JsonObject Allowed(Connector connector, GatewayTool tool)
    {
        var kind = tool.ReadOnly ? "read_only" : tool.Destructive ? "destructive" : "write";
        return new JsonObject
        {
            ["name"] = tool.Name,
            ["allowed"] = true,
            ["kind"] = kind,
            ["scopes"] = Strings(tool.RequiredScopes),
            ["idempotency_key_required"] = !tool.ReadOnly,
            ["input_schema"] = JsonNode.Parse(tool.Exposed.InputSchema.GetRawText()),
            ["output_schema"] = tool.Exposed.OutputSchema is { } output ? JsonNode.Parse(output.GetRawText()) : null,
            ["output_schema_mode"] = tool.Policy?.OutputSchema ?? "enforce",
            ["timeout_seconds"] = tool.TimeoutSeconds,
            ["rate_limit"] = RateLimit(tool.Policy?.RateLimit),
            ["connector_rate_limit"] = RateLimit(connector.Config.RateLimit),
            ["review"] = tool.Policy?.Review is { } review
                ? new JsonObject
                {
                    ["required"] = review.Required,
                    ["mode"] = review.Mode,
                    ["approvals"] = review.Approvals,
                    ["expires_seconds"] = review.ExpiresSeconds,
                    ["fallback_to_reviewer"] = review.FallbackToReviewer,
                }
                : null,
        };
    }

    private static JsonObject Refused(string name, string reason) => new() { ["name"] = name, ["allowed"] = false, ["reason"] = reason };

    private static JsonObject? RateLimit(RateLimitConfig? limit) =>
        limit is null ? null : new JsonObject { ["permits"] = limit.Permits, ["window_seconds"] = limit.WindowSeconds, ["per"] = "principal" };

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}
