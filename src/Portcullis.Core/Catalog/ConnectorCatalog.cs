using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Pins;
using Portcullis.Core.Relay;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Catalog;

/// <summary>
/// One connector's tool catalog through its lifecycle (<see cref="CatalogState"/>), and the single place where it
/// is rebuilt: every list the upstream gives goes through <see cref="RebuildAsync"/>, which applies the policy and
/// its refusals, logs them, swaps the catalog in, and only then tells live sessions that the list changed.
/// </summary>
/// <remarks>
/// Pins are applied here too: with pins on, a tool whose definition is not its pin is withheld, and a changed lock file
/// rebuilds the catalog from the last list (<see cref="ReapplyAsync"/>). Checks that need the upstream's tools (review)
/// belong in <see cref="RebuildAsync"/> too.
/// </remarks>
internal sealed class ConnectorCatalog
{
    /// <summary>How long <c>tools/list</c> waits for the first catalog before answering with what it has.</summary>
    internal static readonly TimeSpan FirstCatalogWait = TimeSpan.FromSeconds(5);

    private readonly ConnectorConfig _config;
    private readonly ToolSchemaBuilder _schemas;
    private readonly ConnectorRelay _relay;
    private readonly Func<bool> _upstreamConnected;
    private readonly PinRegistry _pins;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _known = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _rebuilding = new(1, 1);
    private volatile ToolCatalog? _current;
    private volatile UpstreamToolList? _listed;

    public ConnectorCatalog(ConnectorConfig config, ToolSchemaBuilder schemas, ConnectorRelay relay, Func<bool> upstreamConnected, PinRegistry pins, ILogger logger)
    {
        _pins = pins;
        _config = config;
        _schemas = schemas;
        _relay = relay;
        _upstreamConnected = upstreamConnected;
        _logger = logger;
    }

    public CatalogState State => _current is null ? CatalogState.Unknown : _upstreamConnected() ? CatalogState.Current : CatalogState.Stale;

    /// <summary>The catalog calls are judged against; empty while <see cref="CatalogState.Unknown"/>.</summary>
    public ToolCatalog Current => _current ?? ToolCatalog.Empty;

    /// <summary>The upstream's own list the current catalog was built from, unchanged; null while unknown.</summary>
    public IReadOnlyList<Tool>? UpstreamTools => _listed?.Tools;

    /// <summary>What the last rebuild withheld; empty while unknown.</summary>
    public IReadOnlyList<CatalogRefusal> Refusals => Current.Refusals;

    /// <summary>Raised after each rebuild has put its catalog in place, with the one it replaced (empty at first).</summary>
    public event Action<ToolCatalog, ToolCatalog>? Rebuilt;

    /// <summary>
    /// Whether a tool the catalog does not hold may still exist for this caller once the catalog is known: only
    /// while unknown, and only for a name the allow-list and the caller's scopes (as configured) would permit.
    /// </summary>
    public bool MayAppear(string tool, Security.CallerIdentity caller) =>
        _current is null
        && _config.ToolsAllow.Contains(tool, StringComparer.Ordinal)
        && (_config.Auth.IsAnonymous || (_config.Tools.TryGetValue(tool, out var policy) && caller.HasAll(policy.Scopes)));

    /// <summary>
    /// The scopes a call to <paramref name="tool"/> needs: its catalog entry's, or while the catalog is unknown, those its
    /// policy names for an allow-listed name (the catalog will hold the same); null for a name neither knows.
    /// </summary>
    public IReadOnlyList<string>? RequiredScopes(string tool) =>
        Current.TryGet(tool, out var known) ? known.RequiredScopes
        : _current is null && _config.ToolsAllow.Contains(tool, StringComparer.Ordinal) ? (_config.Tools.TryGetValue(tool, out var policy) ? policy.Scopes : [])
        : null;

    /// <summary>
    /// Whether <paramref name="tool"/> is withheld awaiting an operator's review (pins) and <paramref name="caller"/> could
    /// use it otherwise (allow-listed, the configured scopes held): such a caller is told <c>tool_changed</c>, others nothing.
    /// </summary>
    public bool AwaitsReview(string tool, Security.CallerIdentity caller) =>
        Current.Refusals.Any(r => r.AwaitsReview && string.Equals(r.Tool, tool, StringComparison.Ordinal))
        && (_config.Auth.IsAnonymous || (_config.Tools.TryGetValue(tool, out var policy) && caller.HasAll(policy.Scopes)));

    /// <summary>Rebuilds the catalog from the upstream's last list against the pins now in force; nothing while unknown.</summary>
    /// <remarks>
    /// The list is read once the rebuild's turn comes, not before it waits: a rebuild under way may be putting in place the
    /// list of a new connection, and one built after it from the list before would judge that connection's calls.
    /// </remarks>
    public Task ReapplyAsync(CancellationToken cancellationToken) =>
        _listed is null ? Task.CompletedTask : RebuildInTurnAsync(() => _listed, static () => { }, cancellationToken);

    /// <summary>Waits, at most <paramref name="timeout"/>, until the first catalog is in place.</summary>
    public async ValueTask WaitKnownAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_known.Task.IsCompleted)
        {
            return;
        }

        try
        {
            await _known.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Answer with what there is; the session is told when the catalog arrives.
        }
    }

    /// <summary>
    /// Builds the catalog from the upstream's full tool list, puts it in place, calls <paramref name="inPlace"/> (the
    /// upstream's connection goes live there), then notifies live sessions.
    /// </summary>
    public Task RebuildAsync(UpstreamToolList listed, Action inPlace, CancellationToken cancellationToken) =>
        RebuildInTurnAsync(() => listed, inPlace, cancellationToken);

    /// <summary>One rebuild at a time, from the list <paramref name="list"/> gives once its turn has come.</summary>
    private async Task RebuildInTurnAsync(Func<UpstreamToolList?> list, Action inPlace, CancellationToken cancellationToken)
    {
        await _rebuilding.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (list() is { } listed)
            {
                await RebuildUnderLockAsync(listed, inPlace, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _rebuilding.Release();
        }
    }

    private async Task RebuildUnderLockAsync(UpstreamToolList listed, Action inPlace, CancellationToken cancellationToken)
    {
        var previous = _current;
        var pins = _pins.Current;
        var next = ToolCatalog.Build(_config, listed.Tools, _schemas, pins, _pins.FileName, listed.HeadersInvalid);
        foreach (var refusal in next.Refusals)
        {
            if (!refusal.AwaitsReview)
            {
                LogRefusal(refusal);
            }
            else if (previous is null || !previous.Refusals.Contains(refusal))
            {
                // Once per change, not at every rebuild: the drift stays visible in /readyz and the admin API.
                LogWithheld(refusal, listed.Tools, pins!);
            }
        }

        _listed = listed;
        _current = next;
        inPlace();
        _known.TrySetResult();
        Rebuilt?.Invoke(previous ?? ToolCatalog.Empty, next);
        if (previous is null || !string.Equals(previous.Signature, next.Signature, StringComparison.Ordinal))
        {
            await _relay.NotifyToolsChangedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void LogWithheld(CatalogRefusal refusal, IReadOnlyList<Tool> upstreamTools, LockFile pins)
    {
        var pin = pins.Find(_config.Server, refusal.Tool);
        var live = upstreamTools.FirstOrDefault(t => string.Equals(t.Name, refusal.Tool, StringComparison.Ordinal));
        if (pin is null || live is null)
        {
            Log.PinMissing(_logger, _config.Server, "tool", refusal.Tool);
            return;
        }

        var definition = PinnedDefinition.From(live);
        var check = pin.Check(definition);
        if (check.State == PinState.Tampered)
        {
            Log.PinTampered(_logger, _config.Server, "tool", refusal.Tool);
            return;
        }

        Log.PinDrift(_logger, _config.Server, "tool", refusal.Tool, string.Join(", ", check.Changed), pin.Sha256, PinDigest.Compute(definition) ?? "(not I-JSON)");
    }

    private void LogRefusal(CatalogRefusal refusal)
    {
        switch (refusal.Kind)
        {
            case CatalogRefusalKind.DestructiveNotOptedIn:
                Log.DestructiveToolRefused(_logger, _config.Server, refusal.Tool);
                break;
            case CatalogRefusalKind.OverlayLoosens:
                Log.OverlayLoosens(_logger, _config.Server, refusal.Tool, refusal.Message);
                break;
            default:
                Log.SchemaUncompilable(_logger, _config.Server, refusal.Message);
                break;
        }
    }
}
