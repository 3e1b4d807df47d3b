using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>Pins: drift, withheld definitions, and the lock file's reloads.</summary>
internal static partial class Log
{
    [LoggerMessage(1601, LogLevel.Error, "Connector {Connector}: {Kind} {Name} differs from its pin (changed: {Changed}); withheld until an operator reviews it and accepts it (portcullis pin --accept {Name}). Pinned sha256 {Pinned}, live sha256 {Live}.")]
    public static partial void PinDrift(ILogger logger, string connector, string kind, string name, string changed, string pinned, string live);

    [LoggerMessage(1602, LogLevel.Warning, "Connector {Connector}: {Kind} {Name} has no pin; withheld until an operator reviews it and pins it (portcullis pin --accept {Name}).")]
    public static partial void PinMissing(ILogger logger, string connector, string kind, string name);

    [LoggerMessage(1603, LogLevel.Error, "Connector {Connector}: the pin of {Kind} {Name} is not the digest of its own definition (the lock file was edited by hand); withheld until it is pinned again.")]
    public static partial void PinTampered(ILogger logger, string connector, string kind, string name);

    [LoggerMessage(1604, LogLevel.Information, "Pins reloaded from {Path}: {Count} pin(s); every connector's catalog is rebuilt against them.")]
    public static partial void PinsReloaded(ILogger logger, string path, int count);

    [LoggerMessage(1605, LogLevel.Error, "The lock file {Path} cannot be used ({Problem}); the previous pins stay in force until it is fixed.")]
    public static partial void PinsReloadRefused(ILogger logger, string path, string problem);

    [LoggerMessage(1606, LogLevel.Error, "Reloading the pins from {Path} failed; the previous pins stay in force.")]
    public static partial void PinsReloadFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(1607, LogLevel.Error, "Connector {Connector}: the upstream lists {Kind} {Name} more than once, so which definition it honours is unknown; withheld, whatever the lock file says, until the upstream lists it once.")]
    public static partial void PassthroughListedTwice(ILogger logger, string connector, string kind, string name);

    [LoggerMessage(1608, LogLevel.Warning, "Connector {Connector}: an update of resource {Uri} was not passed on to its subscribers: {Reason}. Its updates are dropped until it can be read under the pins in force again (logged once until then); the subscriptions are kept.")]
    public static partial void PinnedUpdateDropped(ILogger logger, string connector, string uri, string reason);

    [LoggerMessage(1609, LogLevel.Warning, "Connector {Connector}: session {SessionId}'s subscription to {Uri} is not held again on the stream opened here: {Reason}. It is not subscribed upstream, and no update of it reaches the session until its client subscribes again.")]
    public static partial void SessionSubscriptionWithheld(ILogger logger, string connector, string sessionId, string uri, string reason);
}
