namespace Portcullis.Core.Lint;

/// <summary>One kind of finding: a stable id (documented in docs/lint.md), its severity and a one-line title.</summary>
internal sealed record LintRule(string Id, LintSeverity Severity, string Title);
