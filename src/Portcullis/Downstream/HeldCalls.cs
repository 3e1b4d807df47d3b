using System.Text.Json;
using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Security;
using Portcullis.Core.State;

namespace Portcullis.Downstream;

/// <summary>
/// Whether a write's multi round-trip retry belongs to a call the store still holds for its review: its question was the
/// gateway's own (a caller-mode confirmation, asked before anything is sent), so a holder gone with it sent nothing.
/// </summary>
internal sealed class HeldCalls(IIdempotencyStore store, GatewayConfig config, StateClock clock)
{
    /// <summary>How long the look-up may take; past it (or should it fail) the call counts as sent.</summary>
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _retention = TimeSpan.FromHours(config.Idempotency.RetentionHours);

    /// <summary>
    /// True only when the retry's key (in its buffered <paramref name="body"/>) names a record of this caller, connector and
    /// tool that is held awaiting review: never claimed to be sent. False whenever that cannot be read or shown.
    /// </summary>
    public async ValueTask<bool> AwaitingReviewAsync(HttpContext context, byte[] body, string connector, string tool)
    {
        if (!TryReadKey(body, out var key))
        {
            return false;
        }

        var scope = new IdempotencyScope(config.Environment, connector, CallerIdentities.From(context.User).Key, tool, key);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(StoreTimeout);
            var record = await store.GetAsync(scope, clock.GetUtcNow(), _retention, timeout.Token).ConfigureAwait(false);
            return record?.State == IdempotencyState.AwaitingReview;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }
    }

    private static bool TryReadKey(byte[] body, out string key)
    {
        key = "";
        try
        {
            using var message = JsonDocument.Parse(body);
            if (message.RootElement.ValueKind == JsonValueKind.Object
                && message.RootElement.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.Object
                && arguments.TryGetProperty(IdempotencyKeySchema.PropertyName, out var value) && value.ValueKind == JsonValueKind.String
                && value.GetString() is { } text && IdempotencyKey.IsValid(text))
            {
                key = text;
                return true;
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }
}
