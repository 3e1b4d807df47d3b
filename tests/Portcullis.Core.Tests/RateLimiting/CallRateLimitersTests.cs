using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Configuration;
using Portcullis.Core.Errors;
using Portcullis.Core.RateLimiting;

namespace Portcullis.Core.Tests.RateLimiting;

/// <summary>The in-process budgets on a fake clock: a refused call is told the time left in its own window.</summary>
public sealed class CallRateLimitersTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Acquire_BudgetSpentThenRetriedEveryTenSeconds_RetryAfterCountsDownToTheWindowsEnd()
    {
        var time = new FakeTimeProvider(Start);
        var (connector, limiters) = Build(time, connectorLimit: null, toolLimit: new RateLimitConfig { Permits = 30, WindowSeconds = 60 });
        using var _ = limiters;

        for (var i = 0; i < 30; i++)
        {
            Assert.Null(await Acquire(limiters, connector, "alice"));
        }

        var answers = new List<int?>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await Acquire(limiters, connector, "alice"));
            time.Advance(TimeSpan.FromSeconds(10));
        }

        var renewed = await Acquire(limiters, connector, "alice");

        Assert.Equal([60, 50, 40, 30, 20, 10], answers);
        Assert.Null(renewed);
    }

    [Fact]
    public async Task Acquire_WindowStartsAtThePrincipalsFirstCall_NotAtTheFirstCallOfTheBudget()
    {
        var time = new FakeTimeProvider(Start);
        var (connector, limiters) = Build(time, connectorLimit: new RateLimitConfig { Permits = 1, WindowSeconds = 60 }, toolLimit: null);
        using var _ = limiters;

        Assert.Null(await Acquire(limiters, connector, "alice"));
        time.Advance(TimeSpan.FromSeconds(45));
        Assert.Null(await Acquire(limiters, connector, "bob"));
        time.Advance(TimeSpan.FromSeconds(0.5));

        var alice = await Acquire(limiters, connector, "alice");
        var bob = await Acquire(limiters, connector, "bob");
        time.Advance(TimeSpan.FromSeconds(14.5));
        var aliceRenewed = await Acquire(limiters, connector, "alice");
        var bobStill = await Acquire(limiters, connector, "bob");

        Assert.Equal(15, alice);
        Assert.Equal(60, bob);
        Assert.Null(aliceRenewed);
        Assert.Equal(45, bobStill);
    }

    [Fact]
    public async Task Acquire_LessThanASecondLeft_AnswersOneSecond()
    {
        var time = new FakeTimeProvider(Start);
        var (connector, limiters) = Build(time, connectorLimit: new RateLimitConfig { Permits = 1, WindowSeconds = 10 }, toolLimit: null);
        using var _ = limiters;

        Assert.Null(await Acquire(limiters, connector, "alice"));
        time.Advance(TimeSpan.FromSeconds(9.9));

        Assert.Equal(1, await Acquire(limiters, connector, "alice"));
    }

    /// <summary>Before, the connector's permit was taken first: calls refused for their tool used up the connector's budget.</summary>
    [Fact]
    public async Task Acquire_CallsRefusedForTheirTool_LeaveTheConnectorsBudgetToItsOtherTools()
    {
        var time = new FakeTimeProvider(Start);
        var (connector, limiters) = Build(time, connectorLimit: new RateLimitConfig { Permits = 10, WindowSeconds = 60 }, toolLimit: new RateLimitConfig { Permits = 3, WindowSeconds = 60 });
        using var _ = limiters;

        var noteAnswers = new List<int?>();
        for (var i = 0; i < 7; i++)
        {
            noteAnswers.Add(await Acquire(limiters, connector, "alice"));
        }

        var others = new List<bool>();
        for (var i = 0; i < 8; i++)
        {
            others.Add(await limiters.AcquireAsync(connector, "search", "alice", CancellationToken.None).AsTask().WaitAsync(Timeout) is null);
        }

        Assert.Equal([null, null, null, 60, 60, 60, 60], noteAnswers);
        Assert.Equal([true, true, true, true, true, true, true, false], others);
    }

    /// <summary>The <c>retry_after_seconds</c> a refused call answers, or null when it may proceed.</summary>
    private static async Task<int?> Acquire(CallRateLimiters limiters, ConnectorConfig connector, string principal) =>
        await limiters.AcquireAsync(connector, "add_note", principal, CancellationToken.None).AsTask().WaitAsync(Timeout) is { } wait
            ? GatewayError.RateLimited(wait).RetryAfterSeconds
            : null;

    private static (ConnectorConfig Connector, CallRateLimiters Limiters) Build(TimeProvider time, RateLimitConfig? connectorLimit, RateLimitConfig? toolLimit)
    {
        var connector = new ConnectorConfig
        {
            Server = "crm",
            ToolsAllow = ["add_note"],
            Tools = new() { ["add_note"] = new ToolConfig { RateLimit = toolLimit } },
            RateLimit = connectorLimit,
        };
        var config = new GatewayConfig { Environment = "prod", Connectors = [connector] };
        return (connector, new CallRateLimiters(config, new InProcessRateLimiterProvider(time)));
    }
}
