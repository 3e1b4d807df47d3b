using Portcullis.Core.Catalog;
using Portcullis.Core.Configuration;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Lint;

/// <summary>
/// What only the live catalog tells: whether the upstream answered, what <c>serve</c> would refuse once it sees
/// the tools (the gateway's own refusals, word for word), and allow-list entries the upstream does not offer.
/// </summary>
internal static class CatalogChecks
{
    public static IEnumerable<LintFinding> Run(LintContext context)
    {
        foreach (var connector in context.Connectors)
        {
            if (connector.Live is not { } live)
            {
                continue;
            }

            if (!live.Listed)
            {
                yield return connector.Finding(LintRules.UpstreamUnreachable, connector.Path + ".upstream",
                    $"connector '{connector.Name}': the upstream's tools could not be listed ({live.Failure}); the checks that need them did not run for this connector")
                    with { Fix = "Start the upstream (or make it reachable from here) and lint again; or lint with --offline to check the config alone." };
                continue;
            }

            foreach (var refusal in live.Refusals)
            {
                yield return connector.Finding(Rule(refusal.Kind), connector.Path + "." + refusal.Path, refusal.Message, refusal.Tool) with
                {
                    Fix = refusal.Kind switch
                    {
                        CatalogRefusalKind.DestructiveNotOptedIn => "Remove the tool from tools_allow; expose it only when a workflow needs it, deliberately.",
                        CatalogRefusalKind.OverlayLoosens => "An overlay may only tighten: use a value within the upstream's own limit, or drop the keyword.",
                        CatalogRefusalKind.ListedTwice => "Ask the upstream's maintainers to list each tool once; until then the tool stays unavailable.",
                        CatalogRefusalKind.HeadersInvalid => "Ask the upstream's maintainers to fix the tool's x-mcp-header annotations (serve's log, event 1029, says what is wrong); until then the tool stays unavailable.",
                        _ => "Ask the upstream's maintainers to publish a JSON Schema 2020-12 schema, or remove the tool from tools_allow.",
                    },
                };
            }

            var offered = live.Tools!.Select(t => t.Name).ToList();
            foreach (var tool in connector.Tools.Where(t => t.Upstream is null))
            {
                var meant = DidYouMean.Suggest(tool.Name, offered);
                yield return connector.Finding(LintRules.ToolNotOffered, connector.AllowPath(tool),
                    $"tools_allow lists '{tool.Name}', which the upstream does not offer{(meant is null ? "" : $" (did you mean '{meant}'?)")}", tool.Name)
                    with { Fix = "Correct the name, or remove it: an entry for a tool that appears later is allowed without anyone reviewing it." };
            }
        }
    }

    private static LintRule Rule(CatalogRefusalKind kind) => kind switch
    {
        CatalogRefusalKind.DestructiveNotOptedIn => LintRules.DestructiveNotOptedIn,
        CatalogRefusalKind.OverlayLoosens => LintRules.OverlayLoosens,
        CatalogRefusalKind.ToolChanged or CatalogRefusalKind.ToolUnpinned => LintRules.PinDrift,
        CatalogRefusalKind.ListedTwice => LintRules.ToolListedTwice,
        CatalogRefusalKind.HeadersInvalid => LintRules.ToolHeadersInvalid,
        _ => LintRules.SchemaUncompilable,
    };
}
