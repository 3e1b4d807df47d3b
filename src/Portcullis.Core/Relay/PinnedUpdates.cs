using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Relay;

/// <summary>
/// Holds each <c>notifications/resources/updated</c> back until its resource is checked against the pins in force: an
/// update of a resource that is withheld now (it drifted after the client subscribed, or a reloaded lock file no longer
/// matches it) is dropped, so a withheld resource leaks through no notification. Updates of one URI are checked one at a
/// time, and those that come while a check runs are answered by one more check and at most one notification (an update
/// only says "read it again"): a burst from the upstream costs a few of its lists, not one each.
/// </summary>
internal sealed class PinnedUpdates(Func<string, CancellationToken, Task<bool>> admits, Action<ResourceUpdatedNotificationParams> relay, TimeProvider time)
{
    /// <summary>The most URIs tracked at once; past it the set starts again (a check in progress finishes as it was).</summary>
    private const int MaxUris = 4096;

    private readonly ConcurrentDictionary<string, (StrongBox<ResourceUpdatedNotificationParams> Latest, CoalescedSend Checks)> _uris = new(StringComparer.Ordinal);

    public ValueTask OnUpdatedAsync(ResourceUpdatedNotificationParams updated, CancellationToken cancellationToken)
    {
        if (_uris.Count >= MaxUris)
        {
            _uris.Clear();
        }

        var (latest, checks) = _uris.GetOrAdd(updated.Uri, uri =>
        {
            var box = new StrongBox<ResourceUpdatedNotificationParams>(updated);
            return (box, new CoalescedSend(async ct =>
            {
                var update = box.Value!;
                if (await admits(uri, ct).ConfigureAwait(false))
                {
                    relay(update);
                }
            }, TimeSpan.Zero, time));
        });
        // Written before the request: the check it starts, or the one after the check running, reads it (CoalescedSend orders them).
        latest.Value = updated;
        return checks.RequestAsync(cancellationToken);
    }
}
