using ModelContextProtocol.Protocol;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>What one attempt to reach the upstream produced: its result, or an error and whether the request left.</summary>
internal readonly record struct UpstreamAnswer(CallToolResult? Result, GatewayError? Error, bool Sent)
{
    /// <summary>Nothing reached the upstream, so trying again cannot make it act twice.</summary>
    public bool NotReached => Error is not null && !Sent;
}
