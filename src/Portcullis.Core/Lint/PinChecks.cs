using Portcullis.Core.Pins;

namespace Portcullis.Core.Lint;

/// <summary>
/// Tool integrity: every allowed tool pinned in the lock file beside the config, every pin intact, and (live) every
/// tool as it was when pinned.
/// </summary>
internal static class PinChecks
{
    public static IEnumerable<LintFinding> Run(LintContext context)
    {
        if (context.Pins is not { } pins)
        {
            yield break;
        }

        var file = Path.GetFileName(pins.Path);
        if (pins.Errors.Count > 0)
        {
            foreach (var error in pins.Errors)
            {
                yield return new LintFinding(LintRules.PinsInvalid, error.Path, $"{file}: {error.Message}")
                {
                    Fix = "Restore the lock file from version control, or pin the reviewed tools again.",
                };
            }

            yield break;
        }

        if (pins.File is null && context.Config.Pins.File is not null)
        {
            yield return new LintFinding(LintRules.PinsInvalid, "$.pins.file", LockFile.MissingMessage(pins.Path))
            {
                Fix = "Pin the tools (portcullis pin), or correct pins.file.",
            };
            yield break;
        }

        if (pins.File is not { } lockFile)
        {
            yield return new LintFinding(LintRules.PinsMissing, "$",
                $"no {file} beside the config: every tool's description, schema and hints are taken on the upstream's word, and a change goes unnoticed")
            {
                Fix = $"Review each allowed tool and pin its definition in {file} beside the config (the format is in docs/lint.md).",
            };
            yield break;
        }

        foreach (var connector in context.Connectors)
        {
            var listed = connector.Live?.Listed == true;
            foreach (var tool in connector.Tools)
            {
                if (listed && tool.Upstream is null)
                {
                    // tool-not-offered says it; there is nothing to compare.
                    continue;
                }

                if (lockFile.Find(connector.Name, tool.Name) is not { } pin)
                {
                    yield return connector.Finding(LintRules.PinsMissing, connector.AllowPath(tool),
                        $"'{tool.Name}' has no pin in {file}: its definition is taken on the upstream's word", tool.Name)
                        with { Fix = $"Review the tool and add its pin to {file}." };
                    continue;
                }

                if (!pin.IsIntact)
                {
                    yield return connector.Finding(LintRules.PinDrift, connector.AllowPath(tool),
                        $"the pin of '{tool.Name}' in {file} is not the digest of its own definition: the lock file was edited by hand", tool.Name)
                        with { Fix = "Restore the lock file from version control, or review the tool and pin it again." };
                    continue;
                }

                // A definition that is not I-JSON has no digest to compare: the catalog's check reports it (schema-uncompilable).
                if (tool.Upstream is { } upstream && Tools.ToolDefinitionJson.Problem(upstream) is null && pin.Check(PinnedDefinition.From(upstream)) is { State: PinState.Drifted } drift)
                {
                    yield return connector.Finding(LintRules.PinDrift, connector.AllowPath(tool),
                        $"'{tool.Name}' differs from its pin in {file} (changed: {string.Join(", ", drift.Changed)}): what agents are told, or what the gateway "
                        + "enforces, is no longer what was reviewed", tool.Name)
                        with { Fix = "Review the upstream's change; if it is sound, pin the new definition, else roll the upstream back." };
                }
            }
        }
    }
}
