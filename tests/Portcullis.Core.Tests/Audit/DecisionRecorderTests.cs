using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Core.Tests.Diagnostics;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Audit;

/// <summary>How a call's context becomes its decision record; the outcomes no real upstream can produce on demand.</summary>
public sealed class DecisionRecorderTests
{
    [Fact]
    public void ToolCall_CrashInsideThePipeline_IsAFailureAtThePipelineStageWithCodeInternal()
    {
        var (recorder, trail) = Recorder(new AuditConfig());
        var context = Context("""{"body":"x"}""");
        context.Fail(CallStage.Pipeline, GatewayError.Internal());

        recorder.ToolCall(context, 1.5, null);

        var e = Assert.Single(trail.Pending());
        Assert.Equal((AuditDecisions.Failed, "internal", CallStage.Pipeline, false), (e.Decision, e.Code, e.Stage, e.UpstreamReached));
        Assert.Null(e.Arguments);
        Assert.Equal(64, e.ArgumentsSha256!.Length);
    }

    [Fact]
    public void ToolCall_IncludeArguments_CopiesThemWithRedactedFieldsReplaced()
    {
        var (recorder, trail) = Recorder(new AuditConfig { IncludeArguments = true, Redact = ["Secret"] });
        var context = Context("""{"body":"x","secret":"s3","inner":{"SECRET":[1]},"list":[{"secret":"s4"}]}""");

        recorder.ToolCall(context, 1, null);

        var arguments = Assert.Single(trail.Pending()).Arguments!;
        Assert.Equal("""{"body":"x","secret":"[redacted]","inner":{"SECRET":"[redacted]"},"list":[{"secret":"[redacted]"}]}""", arguments.ToJsonString());
    }

    [Fact]
    public void ToolCall_UnknownToolName_IsTruncatedInTheAudit()
    {
        var (recorder, trail) = Recorder(new AuditConfig());
        var connector = Connector();
        var context = new ToolCallContext(connector, CallerIdentity.Anonymous, new string('t', 1000), null, "c");
        context.Fail(CallStage.Authorize, GatewayError.ToolNotFound("t"));

        recorder.ToolCall(context, 1, null);

        Assert.Equal(DecisionRecorder.MaxNameLength, Assert.Single(trail.Pending()).Tool!.Length);
    }

    /// <summary>
    /// A call that took an approval but failed before it was sent (the gateway shutting down) gave the approval back for a
    /// retry: before, its event said it "ran under review …", so the trail showed two runs of one approved call.
    /// </summary>
    [Fact]
    public void ToolCall_ApprovalTakenButNotSent_DoesNotSayItRan()
    {
        var (recorder, trail) = Recorder(new AuditConfig());
        var review = new Portcullis.Core.Review.ReviewRecord("rv-1", new Portcullis.Core.Idempotency.IdempotencyScope("test", "crm", "alice", "add_note", "k-1"),
            "fp", "reviewer", "{}", "c-0", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1)
        {
            Approvals = [new Portcullis.Core.Review.ReviewApproval("bob", DateTimeOffset.UnixEpoch, null)],
        };
        var notSent = Context("""{"body":"x"}""");
        notSent.ExecutedReview = review;
        notSent.Fail(CallStage.Forward, GatewayError.ShuttingDown());
        var sent = Context("""{"body":"x"}""");
        sent.ExecutedReview = review;
        sent.SentUpstream = true;

        recorder.ToolCall(notSent, 1, null);
        recorder.ToolCall(sent, 1, null);

        var events = trail.Pending().ToList();
        Assert.Equal(GatewayError.ShuttingDown().Message + "; not sent under review rv-1 (reviewer), approved by bob: the approval stands for a retry",
            events[0].Detail);
        Assert.Equal("ran under review rv-1 (reviewer), approved by bob", events[1].Detail);
    }

    private static (DecisionRecorder Recorder, PendingTrail Trail) Recorder(AuditConfig audit)
    {
        audit.Sink = "jsonl";
        var config = new GatewayConfig { Environment = "test", Audit = audit };
        var sink = new PendingTrail();
        var trail = new AuditTrail(config, sink, TestTelemetry.Create(), TimeProvider.System, NullLogger<AuditTrail>.Instance);
        sink.Trail = trail;
        return (new DecisionRecorder(trail, TestTelemetry.Create(), config, TimeProvider.System, NullLogger<DecisionRecorder>.Instance), sink);
    }

    private static Connector Connector()
    {
        var supervisor = new UpstreamSupervisor("crm", () => throw new InvalidOperationException("never connected"), TimeProvider.System, NullLoggerFactory.Instance);
        return new Connector(new ConnectorConfig { Server = "crm", Environment = "test" }, supervisor,
            new Portcullis.Core.Relay.ConnectorRelay("crm", TimeProvider.System, NullLogger.Instance), new ToolSchemaBuilder(new Portcullis.Core.Schemas.SchemaCache()), Portcullis.Core.Pins.PinRegistry.Off(), NullLogger.Instance);
    }

    private static ToolCallContext Context(string arguments) =>
        new(Connector(), CallerIdentity.Anonymous, "add_note", JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments), "c");
}
