using System.Collections.Concurrent;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Relay;

/// <summary>
/// Updates of subscribed resources: with pins on, each is passed on only while its resource is as pinned, checked as a read
/// is (one more upstream list). A withheld resource's subscriptions are kept, here and upstream: its updates resume once it
/// matches its pin again (accepted, or rolled back), which the client is never told of otherwise.
/// </summary>
internal sealed partial class Passthrough
{
    /// <summary>The resources whose updates are being dropped and were logged, by (connector, URI): the reason logged.</summary>
    private readonly ConcurrentDictionary<(string, string), string> _droppedUpdates = new();

    /// <summary>Has each connector's relay check a resource's pin before it passes on an update of it.</summary>
    public void GuardUpdates(IEnumerable<Connector> connectors)
    {
        foreach (var connector in connectors)
        {
            connector.Relay.GuardUpdates((uri, ct) => UpdatePassesAsync(connector, uri, ct));
        }
    }

    /// <summary>
    /// Whether an update of <paramref name="uri"/> may reach its subscribers: pins off, or the resource is as pinned now.
    /// One that cannot be checked (the upstream does not answer its list in time) is dropped too. Logged once per resource
    /// and reason until it passes again; not audited, as the withholding itself is (once per change, by the check).
    /// </summary>
    private async Task<bool> UpdatePassesAsync(Connector connector, string uri, CancellationToken cancellationToken)
    {
        if (connector.Pins.Current is null)
        {
            return true;
        }

        var reason = await PinRefusalAsync(connector, uri, cancellationToken).ConfigureAwait(false);
        if (reason is null)
        {
            _droppedUpdates.TryRemove((connector.Name, uri), out _);
            return true;
        }

        if (_droppedUpdates.Count >= MaxReportedUnreadable)
        {
            _droppedUpdates.Clear();
        }

        if (!_droppedUpdates.TryGetValue((connector.Name, uri), out var was) || !string.Equals(was, reason, StringComparison.Ordinal))
        {
            _droppedUpdates[(connector.Name, uri)] = reason;
            Log.PinnedUpdateDropped(logger, connector.Name, LogText.Safe(uri, 1024), reason);
        }

        return false;
    }

    /// <summary>
    /// Why pins refuse the resource at <paramref name="uri"/> now, as they would refuse a read of it, within the resource's
    /// timeout; null when they admit it. Never throws.
    /// </summary>
    private async Task<string?> PinRefusalAsync(Connector connector, string uri, CancellationToken cancellationToken)
    {
        if (connector.Upstream.Client is not { } client)
        {
            return "the upstream is not connected, so the resource cannot be checked against its pin";
        }

        using var deadline = new CancellationTokenSource(connector.Policy.ResourceTimeout(uri), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await RequirePinnedResourceAsync(connector, client, uri, linked.Token).ConfigureAwait(false);
            return null;
        }
        catch (DefinitionWithheldException)
        {
            // Its message is written for an agent; why it is withheld was logged by the check (1601-1603, 1607).
            return "it is withheld by the pins in force";
        }
        catch (ResourceMissingException)
        {
            return "the upstream no longer lists it, nor a template covering it";
        }
        catch (Exception ex)
        {
            return $"it could not be checked against its pin ({ex.GetType().Name})";
        }
    }
}
