using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Errors;
using Portcullis.Core.Security;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Pipeline;

/// <summary>Everything the stages know about one <c>tools/call</c>.</summary>
public sealed class ToolCallContext
{
    internal ToolCallContext(Connector connector, CallerIdentity caller, string toolName, IDictionary<string, JsonElement>? arguments, string correlationId)
    {
        Connector = connector;
        Caller = caller;
        ToolName = toolName;
        Arguments = arguments ?? new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        CorrelationId = correlationId;
    }

    public Connector Connector { get; }

    public CallerIdentity Caller { get; }

    public string ToolName { get; }

    /// <summary>The tool name as it may appear in a log line: the client chose it, so no line breaks, bounded.</summary>
    internal string LogToolName => field ??= Diagnostics.LogText.Safe(ToolName);

    /// <summary>The arguments to forward; stages may replace entries (the key is stripped, for instance).</summary>
    public IDictionary<string, JsonElement> Arguments { get; set; }

    public string CorrelationId { get; }

    /// <summary>The downstream request's server, through which the upstream's progress, logs and questions reach the caller.</summary>
    public McpServer? Downstream { get; init; }

    /// <summary>The caller's progress token, if it asked for progress.</summary>
    public ProgressToken? ProgressToken { get; init; }

    /// <summary>The call's time for pattern matching, shared by its input and output validation; set by the validate stage.</summary>
    internal Schemas.PatternBudget? PatternBudget { get; set; }

    /// <summary>Set by the authorize stage once the tool is known to exist and be allowed.</summary>
    internal GatewayTool? Tool { get; set; }

    public PassedStages Passed { get; private set; }

    /// <summary>True once the request was handed to the upstream: a failure after this may have acted.</summary>
    public bool SentUpstream { get; internal set; }

    /// <summary>The error this call ended with, if any, for the log and the audit trail.</summary>
    public GatewayError? Failure { get; private set; }

    /// <summary>A short word for the log: what happened to the call.</summary>
    public string Outcome { get; set; } = "ok";

    public void MarkPassed(PassedStages stage) => Passed |= stage;

    /// <summary>Ends the call with a structured error.</summary>
    public CallToolResult Fail(GatewayError error)
    {
        Failure = error;
        Outcome = error.Code.Code;
        return ErrorEnvelope.ToResult(error, CorrelationId);
    }
}
