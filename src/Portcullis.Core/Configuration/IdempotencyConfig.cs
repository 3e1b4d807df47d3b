using System.Text.Json;

namespace Portcullis.Core.Configuration;

/// <summary>How long idempotency records count and how long an in-flight call holds its key.</summary>
public sealed class IdempotencyConfig
{
    public int RetentionHours { get; set; } = ConfigDefaults.RetentionHours;

    /// <summary>Lease of an in-progress claim; a claim older than this with no outcome is outcome-unknown.</summary>
    public int LeaseSeconds { get; set; } = ConfigDefaults.LeaseSeconds;

    /// <summary>Removed: the store is <c>state.store</c>. Kept only to name the new key when an old config sets it.</summary>
    public JsonElement? Store { get; set; }

    /// <summary>Removed: the connection is <c>state.connection</c>.</summary>
    public JsonElement? Connection { get; set; }
}
