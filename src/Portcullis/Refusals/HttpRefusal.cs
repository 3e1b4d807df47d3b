using System.Text.Json.Nodes;
using Portcullis.Core.Errors;

namespace Portcullis.Refusals;

/// <summary>One refusal the gateway answers itself at the HTTP level: status, catalog error, and what the log and audit say.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Error">The catalog error; its message is what the client reads.</param>
/// <param name="Stage">One of the HTTP-level stages of <c>CallStage</c>.</param>
/// <param name="Class">A short reason class for the audit trail (never a token or a secret), such as <c>unknown_connector</c>.</param>
/// <param name="Reason">Detail for the log only (never sent).</param>
internal sealed record HttpRefusal(int Status, GatewayError Error, string Stage, string Class, string Reason)
{
    public RefusalBody Body { get; init; } = RefusalBody.Problem;

    /// <summary>The correlation id already given to the refusal (in a log line written before it), else a fresh one.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>
    /// Already reported in the log by its cause (a state store outage, at most once per interval): counted and audited
    /// like every refusal, without a log line of its own.
    /// </summary>
    public bool Logged { get; init; }

    /// <summary>The JSON-RPC error code of a <see cref="RefusalBody.JsonRpc"/> body.</summary>
    public int RpcCode { get; init; } = JsonRpcCodes.InvalidRequest;

    /// <summary>
    /// The <c>data</c> of a <see cref="RefusalBody.JsonRpc"/> error, in place of the error envelope: a protocol answer
    /// whose data the client's MCP library reads.
    /// </summary>
    public JsonNode? RpcData { get; init; }

    /// <summary>The id of the request refused, when it could be read.</summary>
    public JsonNode? RpcId { get; init; }

    /// <summary>A <c>WWW-Authenticate</c> challenge to send with it.</summary>
    public string? Challenge { get; init; }

    /// <summary>The tool a refused <c>tools/call</c> named, when known.</summary>
    public string? Tool { get; init; }

    /// <summary>
    /// A malformed frame: counted like every refusal, but logged at most once per interval with the number refused,
    /// and not audited one by one, so junk traffic can flood neither the log nor the audit trail.
    /// </summary>
    public bool Junk { get; init; }
}
