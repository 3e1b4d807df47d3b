using Microsoft.Extensions.Logging;

namespace Portcullis.Core.Diagnostics;

/// <summary>The identity provider's signing keys: what was fetched, and fetches that failed.</summary>
internal static partial class Log
{
    [LoggerMessage(1901, LogLevel.Information, "Identity provider: {Count} signing key(s) in use from {Address} ({KeyIds})")]
    public static partial void SigningKeysFetched(ILogger logger, string address, int count, string keyIds);

    [LoggerMessage(1902, LogLevel.Warning, "Identity provider: fetching the signing keys from {Address} failed ({Reason}); keys in hand kept: {HaveKeys}; fetched again on a request after {DelaySeconds:F0} s")]
    public static partial void SigningKeysUnavailable(ILogger logger, string address, string reason, bool haveKeys, double delaySeconds);
}
