using Portcullis.Core.Configuration;
using Portcullis.Core.Pins;

namespace Portcullis.Core.Lint;

/// <summary>
/// What lint checks: the config as read (with its errors), its lock file, and the upstreams' live catalogs by
/// connector name (null when they were not listed: <c>--offline</c>, or a config with errors).
/// </summary>
internal sealed record LintInput(ConfigReadResult Read, LockFileRead? Pins, IReadOnlyDictionary<string, LiveCatalog>? Live, string? SkippedBecause = null);
