using System.Collections.Concurrent;
using Portcullis.Core.Audit;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pins;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Relay;

/// <summary>
/// A listed resource, template or prompt the MCP client could not read (half of a UTF-16 surrogate pair in one of its
/// strings) is a stand-in (<see cref="ListPage"/>): left out of every list, pins on or off, logged and audited once per
/// problem; with pins on, a read or get of it is refused as withheld. The rest of the list passes as before.
/// </summary>
internal sealed partial class Passthrough
{
    /// <summary>
    /// The most left-out items remembered as reported: the names are the upstream's, and one inventing new ones at every
    /// list would otherwise grow this set for ever. Past it the set starts again, and an item may be reported once more.
    /// </summary>
    internal const int MaxReportedUnreadable = 10_000;

    /// <summary>What was reported left out already (connector, kind, name, problem).</summary>
    private readonly ConcurrentDictionary<(string, PinKind, string, string), bool> _unreadable = new();

    /// <summary>Whether <paramref name="listed"/> was read as the upstream listed it; if not, it is reported once.</summary>
    private bool Readable(Connector connector, PinKind kind, string name, object listed)
    {
        if (UnreadableDefinitions.Problem(listed) is not { } problem)
        {
            return true;
        }

        if (_unreadable.Count >= MaxReportedUnreadable)
        {
            _unreadable.Clear();
        }

        if (_unreadable.TryAdd((connector.Name, kind, name, problem), true))
        {
            Log.PassthroughDefinitionUnreadable(logger, connector.Name, kind.Noun(), LogText.Safe(name, 1024), LogText.Safe(problem, 1024));
            // Audited as the catalog audits a tool it withholds as not I-JSON; not a pin metric, as no review can release it.
            AuditWithheld(connector, kind, name, $"{kind.Noun()} {name} is left out: its definition is not I-JSON ({problem})");
        }

        return false;
    }

    /// <summary>The refusal of a read or get that pins withhold <paramref name="listed"/> from.</summary>
    private static GatewayError Withheld(IEnumerable<object> listed, string what) =>
        listed.Any(l => UnreadableDefinitions.Problem(l) is not null) ? GatewayError.DefinitionUnreadable(what) : GatewayError.DefinitionChanged(what);
}
