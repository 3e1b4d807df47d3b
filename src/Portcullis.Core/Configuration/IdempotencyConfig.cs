namespace Portcullis.Core.Configuration;

/// <summary>Where idempotency records live and for how long.</summary>
public sealed class IdempotencyConfig
{
    public string Store { get; set; } = ConfigDefaults.IdempotencyStore;

    public int RetentionHours { get; set; } = ConfigDefaults.RetentionHours;

    /// <summary>Lease of an in-progress claim; a claim older than this with no outcome is outcome-unknown.</summary>
    public int LeaseSeconds { get; set; } = ConfigDefaults.LeaseSeconds;

    /// <summary>Connection string reference for networked stores (<c>env:NAME</c> or <c>file:PATH</c>).</summary>
    public string? Connection { get; set; }
}
