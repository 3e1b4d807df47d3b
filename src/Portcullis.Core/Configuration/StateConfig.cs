namespace Portcullis.Core.Configuration;

/// <summary>Where everything replicas must agree on lives: idempotency records, rate-limit counters, session handshakes.</summary>
public sealed class StateConfig
{
    /// <summary><c>sqlite</c> (one replica, a file in the data dir), <c>redis</c> or <c>postgres</c> (several replicas).</summary>
    public string Store { get; set; } = ConfigDefaults.StateStore;

    /// <summary>Secret reference (<c>env:NAME</c> or <c>file:PATH</c>) to the connection string of a networked store.</summary>
    public string? Connection { get; set; }

    /// <summary>True for the stores several replicas can share.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsNetworked => Store is "redis" or "postgres";
}
