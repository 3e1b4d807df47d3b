using System.Text.Json.Nodes;

namespace Portcullis.Core.Lint;

/// <summary>Step 1 of the article: narrow, short-lived, per-connector access.</summary>
internal static class AuthChecks
{
    public const int LongTokenSeconds = 3600;

    public static IEnumerable<LintFinding> Run(LintContext context)
    {
        foreach (var connector in context.Connectors)
        {
            var auth = connector.Config.Auth;
            if (auth.IsAnonymous)
            {
                yield return connector.Finding(LintRules.AuthNone, connector.Path + ".auth.mode",
                    $"connector '{connector.Name}' takes calls without a token (auth.mode none): any process that reaches the gateway calls its "
                    + $"{connector.Tools.Count} allowed tool(s), with no principal to scope, rate-limit or audit")
                    with
                    {
                        Fix = "Use oauth with a scope per kind of access; tools then declare the scopes they need.",
                        Snippet = new JsonObject { ["mode"] = "oauth", ["scopes"] = new JsonArray("<resource>:read", "<resource>:write"), ["token_ttl_seconds"] = LongTokenSeconds },
                        SnippetAt = connector.Path + ".auth",
                    };
                continue;
            }

            if (auth.TokenTtlSeconds > LongTokenSeconds)
            {
                yield return connector.Finding(LintRules.TokenTtlLong, connector.Path + ".auth.token_ttl_seconds",
                    $"connector '{connector.Name}' accepts tokens that live {auth.TokenTtlSeconds} s; a leaked token stays useful that long")
                    with
                    {
                        Fix = "Accept tokens of at most an hour; clients refresh them.",
                        Snippet = new JsonObject { ["token_ttl_seconds"] = LongTokenSeconds },
                        SnippetAt = connector.Path + ".auth",
                    };
            }

            foreach (var finding in BroadScopes(connector))
            {
                yield return finding;
            }
        }
    }

    private static IEnumerable<LintFinding> BroadScopes(LintConnector connector)
    {
        var tools = connector.Tools.Where(t => t.Scopes.Count > 0).ToList();
        if (tools.Count < 2)
        {
            yield break;
        }

        // A token holding one scope can call every tool whose required scopes are that one alone.
        var first = tools[0].Scopes[0];
        if (tools.All(t => t.Scopes.All(s => s == first)))
        {
            yield return connector.Finding(LintRules.ScopeBroad, connector.Path + ".auth.scopes",
                $"connector '{connector.Name}': the one scope '{first}' grants every allowed tool ({string.Join(", ", tools.Select(t => t.Name))}); "
                + "a token meant for one task can do all of them")
                with
                {
                    Fix = "Give each kind of access its own scope (reads apart from writes, one resource apart from another) and require it per tool.",
                    Snippet = new JsonObject
                    {
                        ["tools"] = new JsonObject(tools.Select(t => KeyValuePair.Create<string, JsonNode?>(
                            t.Name, new JsonObject { ["scopes"] = new JsonArray(t.ReadOnly ? "<resource>:read" : "<resource>:write") }))),
                    },
                    SnippetAt = connector.Path,
                };
            yield break;
        }

        // A write that needs no scope beyond what some read needs: whoever may read may also write.
        foreach (var write in tools.Where(t => !t.ReadOnly))
        {
            var reads = tools.Where(r => r.ReadOnly && write.Scopes.All(s => r.Scopes.Contains(s, StringComparer.Ordinal))).Select(r => r.Name).ToList();
            if (reads.Count == 0)
            {
                continue;
            }

            yield return connector.Finding(LintRules.ScopeBroad, connector.ToolPath(write.Name) + ".scopes",
                $"write '{write.Name}' needs only {string.Join(", ", write.Scopes.Select(s => $"'{s}'"))}, which read(s) {string.Join(", ", reads)} need too: "
                + "a token that may read may also write", write.Name)
                with
                {
                    Fix = "Require a scope for the write that no read needs.",
                    Snippet = new JsonObject { ["scopes"] = new JsonArray("<resource>:write") },
                    SnippetAt = connector.ToolPath(write.Name),
                };
        }
    }
}
