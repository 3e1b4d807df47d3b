using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Relay;

namespace Portcullis.Core.Tests.Relay;

/// <summary>Which call a message from the upstream that names no request (a log line, a question) is given to.</summary>
public sealed class ConnectorRelayAttributionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();

    /// <summary>
    /// Before, bob's log line that came just after bob's answer went to alice, whose call was the only one in flight: one
    /// caller saw another's messages. A question is asked within a call, so only calls in flight count for it.
    /// </summary>
    [Fact]
    public async Task Attribute_AnotherSessionsCallEndedJustBefore_ALogLineIsNobodys()
    {
        var relay = new ConnectorRelay("crm", _time, NullLogger.Instance);
        await AnsweredAsync(relay, "bob-session", "bob");
        using var alice = await Task.Run(() => relay.Begin(new StandInServer("alice-session"), "alice", null, default)).WaitAsync(Wait);

        Assert.Null(await Task.Run(() => relay.Attribute(isLog: true)).WaitAsync(Wait));
        Assert.Same(alice, await Task.Run(() => relay.Attribute()).WaitAsync(Wait));

        _time.Advance(ConnectorRelay.EndedCallWindow);
        Assert.Same(alice, await Task.Run(() => relay.Attribute(isLog: true)).WaitAsync(Wait));
    }

    /// <summary>Clients of one caller following each other closely (a test suite, an agent's sessions) keep their log lines.</summary>
    [Fact]
    public async Task Attribute_TheSameCallersCallEndedJustBefore_IsTheCallInFlight()
    {
        var relay = new ConnectorRelay("crm", _time, NullLogger.Instance);
        await Task.Run(() => relay.Begin(new StandInServer("first-session"), "alice", null, default).Dispose()).WaitAsync(Wait);
        await Task.Run(() => relay.Begin(new StandInServer(null), "alice", null, default).Dispose()).WaitAsync(Wait);
        using var next = await Task.Run(() => relay.Begin(new StandInServer("second-session"), "alice", null, default)).WaitAsync(Wait);

        Assert.Same(next, await Task.Run(() => relay.Attribute(isLog: true)).WaitAsync(Wait));
    }

    /// <summary>Calls without a session (2026-07-28 clients) are told apart by their caller too.</summary>
    [Fact]
    public async Task Attribute_ACallWithoutSessionOfAnotherCallerEndedJustBefore_ALogLineIsNobodys()
    {
        var relay = new ConnectorRelay("crm", _time, NullLogger.Instance);
        await Task.Run(() => relay.Begin(new StandInServer(null), "bob", null, default).Dispose()).WaitAsync(Wait);
        using var alice = await Task.Run(() => relay.Begin(new StandInServer(null), "alice", null, default)).WaitAsync(Wait);

        Assert.Null(await Task.Run(() => relay.Attribute(isLog: true)).WaitAsync(Wait));
    }

    [Fact]
    public async Task Attribute_OnTheCallsOwnFlow_IsThatCallWhateverEndedBefore()
    {
        var relay = new ConnectorRelay("crm", _time, NullLogger.Instance);
        await Task.Run(() => relay.Begin(new StandInServer("bob-session"), "bob", null, default).Dispose()).WaitAsync(Wait);

        var (alice, attributed) = await Task.Run(() =>
        {
            var call = relay.Begin(new StandInServer("alice-session"), "alice", null, default);
            return (call, relay.Attribute(isLog: true));
        }).WaitAsync(Wait);

        Assert.Same(alice, attributed);
        alice.Dispose();
    }

    /// <summary>
    /// Before, only the newest 32 ended calls were kept: a busy caller ending 33 calls within the window pushed another
    /// caller's out, and that caller's late log line reached the busy one.
    /// </summary>
    [Fact]
    public async Task Attribute_ManyCallsOfTheCallerInFlightEndedSince_AnotherCallersEndedCallStillCounts()
    {
        var relay = new ConnectorRelay("crm", _time, NullLogger.Instance);
        await AnsweredAsync(relay, "alice-session", "alice");
        using var slow = await Task.Run(() => relay.Begin(new StandInServer("bob-session"), "bob", null, default)).WaitAsync(Wait);
        for (var i = 0; i < 40; i++)
        {
            await AnsweredAsync(relay, "bob-session", "bob");
        }

        Assert.Null(await Task.Run(() => relay.Attribute(isLog: true)).WaitAsync(Wait));
    }

    /// <summary>
    /// A call given up before its answer (timed out, cancelled) may still be worked on upstream: its late log lines are
    /// nobody's for longer. A question still goes to the call in flight: refusing questions after another caller's
    /// cancellation refused questions asked within that call.
    /// </summary>
    [Fact]
    public async Task Attribute_AnotherCallersCallGivenUpBeforeItsAnswer_ALogLineIsNobodysForLonger()
    {
        var relay = new ConnectorRelay("crm", _time, NullLogger.Instance);
        using var timedOut = new CancellationTokenSource();
        var alice = await Task.Run(() => relay.Begin(new StandInServer("alice-session"), "alice", null, default, timedOut.Token)).WaitAsync(Wait);
        await timedOut.CancelAsync();
        await Task.Run(alice.Dispose).WaitAsync(Wait);
        using var bob = await Task.Run(() => relay.Begin(new StandInServer("bob-session"), "bob", null, default)).WaitAsync(Wait);

        _time.Advance(ConnectorRelay.EndedCallWindow);
        Assert.Same(bob, await Task.Run(() => relay.Attribute()).WaitAsync(Wait));
        Assert.Null(await Task.Run(() => relay.Attribute(isLog: true)).WaitAsync(Wait));

        _time.Advance(ConnectorRelay.AbandonedCallWindow);
        Assert.Same(bob, await Task.Run(() => relay.Attribute(isLog: true)).WaitAsync(Wait));
    }

    /// <summary>A call of <paramref name="caller"/> that the upstream answered, begun and ended on a flow of its own.</summary>
    private static Task AnsweredAsync(ConnectorRelay relay, string? session, string caller) =>
        Task.Run(async () =>
        {
            using var call = relay.Begin(new StandInServer(session), caller, null, default);
            await call.SettleAsync();
        }).WaitAsync(Wait);
}
