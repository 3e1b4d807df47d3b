using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Lint;

/// <summary>
/// Steps 2 and 5 of the article and the hints behind them: destructive tools only with review, a budget on every
/// write, and no trust in an upstream's word that a tool is harmless unless someone pinned or declared it.
/// </summary>
internal static class ToolChecks
{
    public static IEnumerable<LintFinding> Run(LintContext context)
    {
        foreach (var connector in context.Connectors)
        {
            foreach (var tool in connector.Tools.Where(t => !t.Refused))
            {
                if (tool.Destructive && tool.Policy is { AllowDestructive: true, Review: { Required: false } })
                {
                    // Without any review declaration serve refuses the config (an error of its own); here it was waived.
                    yield return connector.Finding(LintRules.DestructiveWithoutReview, connector.ToolPath(tool.Name) + ".review.required",
                        $"destructive tool '{tool.Name}' is exposed with its review waived (review.required: false): a caller holding its scopes runs it at once, with no one to confirm", tool.Name)
                        with
                        {
                            Fix = "Put the tool behind a person's review, or keep it out of tools_allow until a workflow needs it.",
                            Snippet = new JsonObject { ["review"] = new JsonObject { ["required"] = true, ["mode"] = ReviewModes.Reviewer } },
                            SnippetAt = connector.ToolPath(tool.Name),
                        };
                }

                if (!tool.ReadOnly && tool.Policy?.RateLimit is null && connector.Config.RateLimit is null)
                {
                    yield return connector.Finding(LintRules.WriteWithoutRateLimit, connector.ToolPath(tool.Name),
                        $"write '{tool.Name}' has no rate limit (neither tools.{tool.Name}.rate_limit nor the connector's): an agent in a loop writes as fast as the upstream accepts", tool.Name)
                        with
                        {
                            Fix = "Give writes a budget per caller that fits the real workflow.",
                            Snippet = new JsonObject { ["rate_limit"] = new JsonObject { ["permits"] = 30, ["window_seconds"] = 60 } },
                            SnippetAt = connector.ToolPath(tool.Name),
                        };
                }

                foreach (var finding in UntrustedHints(context, connector, tool))
                {
                    yield return finding;
                }
            }
        }
    }

    private static IEnumerable<LintFinding> UntrustedHints(LintContext context, LintConnector connector, LintTool tool)
    {
        if (tool.Upstream?.Annotations is not { } hints)
        {
            yield break;
        }

        if (tool.HintsPinned)
        {
            yield break;
        }

        if (hints.ReadOnlyHint == true && tool.Policy?.ReadOnly is null)
        {
            yield return connector.Finding(LintRules.HintUntrusted, connector.ToolPath(tool.Name) + ".read_only",
                $"'{tool.Name}' is read-only only by the upstream's word (readOnlyHint), unpinned: the gateway does not trust that, so it treats the "
                + "tool as a write (agents must send an idempotency key, and without destructiveHint: false it is refused as destructive)", tool.Name)
                with
                {
                    Fix = "Review the tool; then declare it read-only in the config, or pin its reviewed definition in portcullis.lock.json.",
                    Snippet = new JsonObject { ["read_only"] = true },
                    SnippetAt = connector.ToolPath(tool.Name),
                };
        }

        if (hints.DestructiveHint == false && !tool.ReadOnly && tool.Policy?.AllowDestructive != true)
        {
            yield return connector.Finding(LintRules.HintUntrusted, connector.AllowPath(tool),
                $"'{tool.Name}' is exposed without allow_destructive only because the upstream says it is not destructive (destructiveHint: false), unpinned: "
                + "the upstream alone decides whether this write may delete", tool.Name)
                with { Fix = "Review the tool and pin its reviewed definition in portcullis.lock.json, so a changed hint shows as drift instead of passing." };
        }
    }
}
