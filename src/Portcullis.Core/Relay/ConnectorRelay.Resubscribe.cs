using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Relay;

/// <summary>The subscriptions a new upstream connection must be told of.</summary>
internal sealed partial class ConnectorRelay
{
    /// <summary>
    /// Subscribes a new upstream connection to every resource a session open here is subscribed to: a restarted upstream
    /// (or a new connection to an HTTP one) holds none of what the connection before it was told, and would send no
    /// update of them. One at a time, each within <paramref name="timeout"/> of its URI; one the upstream refuses or does
    /// not answer in time stays with its sessions and is logged. Never throws.
    /// </summary>
    internal async Task ResubscribeAsync(McpClient client, Func<string, TimeSpan> timeout, CancellationToken cancellationToken)
    {
        var uris = _sessions.Values.SelectMany(s => s.Subscriptions).Distinct(StringComparer.Ordinal).ToList();
        if (uris.Count == 0)
        {
            return;
        }

        var failed = 0;
        Exception? lastFailure = null;
        var lastFailed = "";
        foreach (var uri in uris)
        {
            if (!Sessions.Any(s => s.IsSubscribed(uri)))
            {
                // Unsubscribed by its last session meanwhile.
                continue;
            }

            if (await SubscribeUpstreamAsync(client, uri, timeout(uri), cancellationToken).ConfigureAwait(false) is { } failure)
            {
                failed++;
                lastFailure = failure;
                lastFailed = uri;
            }
            else if (cancellationToken.IsCancellationRequested)
            {
                // The connection ended: the next one starts over.
                return;
            }
        }

        if (failed > 0)
        {
            Log.RelayResubscribeFailed(logger, connector, failed, uris.Count, LogText.Safe(lastFailed), lastFailure);
        }
        else
        {
            Log.RelayResubscribed(logger, connector, uris.Count);
        }
    }

    /// <summary>
    /// Subscribes the upstream to <paramref name="uri"/> within <paramref name="timeout"/>: the failure, or null when it took
    /// it or <paramref name="cancellationToken"/> ended the wait first.
    /// </summary>
    internal async Task<Exception?> SubscribeUpstreamAsync(McpClient client, string uri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await client.SubscribeToResourceAsync(new SubscribeRequestParams { Uri = uri }, linked.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return ex;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
