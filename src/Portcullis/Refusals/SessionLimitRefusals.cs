using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Diagnostics;
using Portcullis.Security;

namespace Portcullis.Refusals;

/// <summary>
/// A session refused because its principal already holds <c>limits.max_sessions_per_principal</c> on this replica:
/// an <c>initialize</c> is answered HTTP 429 with <c>rate_limited</c> (a JSON-RPC error whose data is the envelope,
/// with <c>Retry-After</c>); a session continued from another replica is answered by the MCP layer as a session it
/// does not know, so its client opens a new one and meets the 429. Each is counted in <c>portcullis.http.refusals</c>
/// (stage <c>limits</c>) and audited; the log gets at most one line a minute per principal (event 2604), with the
/// number refused since the last, so a client retrying in a loop cannot flood it; none is left unreported.
/// </summary>
internal sealed class SessionLimitRefusals(HttpRefusals refusals, GatewayConfig config, TimeProvider time, ILogger<SessionLimitRefusals> logger) : IDisposable
{
    /// <summary>When to try again: sessions end when their clients end them or after the MCP layer's idle timeout, which the gateway cannot foresee.</summary>
    public const int RetryAfterSeconds = 60;

    public const string ReasonClass = "session_limit";

    public static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    /// <summary>Past this many principals remembered, those not reported for a minute are forgotten.</summary>
    private const int Remembered = 10_000;

    private readonly ConcurrentDictionary<string, PacedReport<Refused>> _reports = new(StringComparer.Ordinal);
    private bool _stopped;

    /// <summary>Answers an <c>initialize</c> that would open one session too many.</summary>
    public Task RefuseInitializeAsync(HttpContext context, CallerIdentity caller, int held, string? rawId)
    {
        var limit = config.Limits.MaxSessionsPerPrincipal;
        var correlationId = CorrelationIds.Next();
        Report(context, caller, held, "a new session (initialize)", correlationId);
        var error = new GatewayError(ErrorCatalog.RateLimited,
            $"Too many open sessions: this caller already holds {limit}, the most the gateway keeps for one caller. End a session it no longer uses (HTTP DELETE) or wait for an idle one to expire, then retry.")
        {
            RetryAfterSeconds = RetryAfterSeconds,
        };
        return refusals.WriteAsync(context, new HttpRefusal(StatusCodes.Status429TooManyRequests, error, CallStage.Limits, ReasonClass, HeldReason(held))
        {
            Body = RefusalBody.JsonRpc,
            RpcCode = JsonRpcCodes.GatewayRefusal,
            RpcId = rawId is null ? null : JsonNode.Parse(rawId),
            CorrelationId = correlationId,
            Logged = true,
        });
    }

    /// <summary>Records a session from another replica not continued here; the MCP layer answers it as unknown (404).</summary>
    public void MigrationRefused(HttpContext context, CallerIdentity caller, int held, string sessionId)
    {
        var correlationId = CorrelationIds.Next();
        Report(context, caller, held, $"session {LogText.Safe(sessionId, 64)} continued from another replica", correlationId);
        refusals.SessionLimitReached(context, correlationId, ReasonClass, HeldReason(held));
    }

    /// <summary>At stop: logs what a principal's reports held back, due or not, and any later refusal at once, so that none goes unreported.</summary>
    public void StopReports()
    {
        Volatile.Write(ref _stopped, true);
        foreach (var reports in _reports.Values)
        {
            reports.Stop();
        }
    }

    public void Dispose()
    {
        foreach (var reports in _reports.Values)
        {
            reports.Dispose();
        }
    }

    private void Report(HttpContext context, CallerIdentity caller, int held, string what, string correlationId)
    {
        var refusal = new Refused(what, context.Request.Path.ToString(), LogText.Safe(caller.Subject), held, correlationId);
        var report = _reports.GetOrAdd(caller.Key, _ => new PacedReport<Refused>(LogEvery, time, Log));
        report.Add(refusal);
        if (Volatile.Read(ref _stopped))
        {
            // After the stop's reports, or while they ran past this one: reported now, not held for a timer.
            report.Stop();
        }
        if (_reports.Count > Remembered)
        {
            foreach (var (key, reports) in _reports)
            {
                if (reports.Quiet && _reports.TryRemove(key, out _))
                {
                    reports.Dispose();
                }
            }
        }
    }

    /// <summary>A session refused, in words.</summary>
    private string HeldReason(int held) => $"{held} sessions held, the limit is {config.Limits.MaxSessionsPerPrincipal}";

    private void Log(long refused, Refused latest) =>
        GatewayLog.SessionLimitRefused(logger, latest.What, latest.Path, latest.Principal, latest.Held, refused, latest.CorrelationId);

    /// <summary>A session refused, as the report of those refused for its principal since the last one names it.</summary>
    private sealed record Refused(string What, string Path, string Principal, int Held, string CorrelationId);
}
