namespace Portcullis.Core.Lint;

/// <summary>
/// The hardening report: the config's errors exactly as <c>serve</c> reports them, then every check of the
/// reference article's hardened column against the config, its lock file and (when listed) the live catalogs.
/// </summary>
internal static class Linter
{
    private static readonly Func<LintContext, IEnumerable<LintFinding>>[] Checks =
    [
        CatalogChecks.Run, AuthChecks.Run, CredentialChecks.Run, ToolChecks.Run, NameChecks.Run, SchemaChecks.Run, PinChecks.Run, AdminChecks.Run,
    ];

    public static LintReport Check(LintInput input)
    {
        var findings = input.Read.Errors
            .Select(e => new LintFinding(LintRules.ConfigInvalid, e.Path, e.Message) { Fix = "serve refuses the configuration until this is corrected." })
            .ToList();
        if (input.Read.Config is { } config)
        {
            var context = LintContext.Build(config, input.Pins, input.Live);
            findings.AddRange(Checks.SelectMany(check => check(context)));
        }

        if (input.Live is null)
        {
            findings.Add(new LintFinding(LintRules.LiveChecksSkipped, "$",
                $"the upstreams were not listed ({input.SkippedBecause ?? "--offline"}): string-unbounded, additional-properties-open, hint-untrusted, "
                + "tool-not-offered, pin-drift against live tools and the refusals serve makes once it sees the tools were not checked"));
        }

        return new LintReport(findings, input.Live is not null);
    }
}
