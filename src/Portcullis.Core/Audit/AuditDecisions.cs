namespace Portcullis.Core.Audit;

/// <summary>What the gateway decided.</summary>
public static class AuditDecisions
{
    /// <summary>Passed every stage and reached the upstream, which answered (its own tool errors included).</summary>
    public const string Allowed = "allowed";

    /// <summary>Ended by a stage before anything was sent upstream.</summary>
    public const string Refused = "refused";

    /// <summary>Answered with a stored result; the upstream was not called.</summary>
    public const string Replayed = "replayed";

    /// <summary>Allowed, but the upstream could not be reached or did not answer well (nothing stored as acted, or a read).</summary>
    public const string Failed = "failed";

    /// <summary>A write was sent and its outcome was lost: its key is now outcome-unknown.</summary>
    public const string OutcomeUnknown = "outcome_unknown";

    /// <summary>An administrative event that records a fact (configuration loaded, catalog changed).</summary>
    public const string Recorded = "recorded";

    /// <summary>An operator said an outcome-unknown call took effect.</summary>
    public const string Executed = "executed";

    /// <summary>An operator said an outcome-unknown call did not take effect; its key was released.</summary>
    public const string NotExecuted = "not_executed";

    /// <summary>A reviewer (or, in caller mode, the caller) approved a held call.</summary>
    public const string Approved = "approved";

    /// <summary>A reviewer (or, in caller mode, the caller) denied a held call.</summary>
    public const string Denied = "denied";

    /// <summary>Every decision, in documentation order: what the audit filters accept and <c>portcullis audit --help</c> lists.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Allowed, Refused, Replayed, Failed, OutcomeUnknown, Recorded, Executed, NotExecuted, Approved, Denied,
    ];
}
