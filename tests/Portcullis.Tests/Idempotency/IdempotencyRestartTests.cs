using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Idempotency;

/// <summary>Idempotency records outlive the gateway process: a restart replays, a kill mid-call is never repeated.</summary>
public sealed class IdempotencyRestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AddNote_AfterGatewayRestart_ReplaysIdentically()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.CrmConnector());
        var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var body = IdempotentWriteTests.Unique("restart");
        var key = IdempotentWriteTests.Unique("key");
        ModelContextProtocol.Protocol.CallToolResult first;
        await using (var client = await McpClients.ConnectAsync(gateway.Endpoint("crm")))
        {
            first = await client.CallToolAsync("add_note", IdempotentWriteTests.Note(body, key)).AsTask().WaitAsync(Timeout);
        }

        await gateway.DisposeAsync();
        await using var restarted = await gateway.RestartAsync();
        await using var again = await McpClients.ConnectAsync(restarted.Endpoint("crm"));
        var second = await again.CallToolAsync("add_note", IdempotentWriteTests.Note(body, key)).AsTask().WaitAsync(Timeout);

        Assert.NotEqual(true, first.IsError);
        Assert.Equal(Witness.Payload(first), Witness.Payload(second));
        Assert.True(second.Meta!["portcullis/replay"]!.GetValue<bool>());
        Assert.Equal(1, Witness.NotesWithBody(restarted.DataDir, body));
    }

    /// <summary>
    /// A completed write whose stored result cannot be read back (the record damaged on disk): before, its retry was
    /// answered <c>internal</c>, retryable, though no retry could get past it, and an agent that gave up on the key could
    /// act again under a new one. The retry is now answered <c>idempotency_outcome_unknown</c>, not retryable, as a
    /// record any store cannot read, and the write is not run again.
    /// </summary>
    [Fact]
    public async Task Write_WhoseStoredResultCannotBeRead_AnswersOutcomeUnknown_AndIsNotRunAgain()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["record"], record));
        var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var note = IdempotentWriteTests.Unique("damaged");
        var arguments = new Dictionary<string, object?> { ["note"] = note, ["idempotency_key"] = IdempotentWriteTests.Unique("key") };
        await using (var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture")))
        {
            Assert.Null(Witness.ErrorCode(await client.CallToolAsync("record", arguments).AsTask().WaitAsync(Timeout)));
        }

        await gateway.DisposeAsync();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(gateway.DataDir, "idempotency.db")};Pooling=False"))
        {
            await connection.OpenAsync().WaitAsync(Timeout);
            await using var damage = connection.CreateCommand();
            damage.CommandText = "UPDATE idempotency SET result = '{\"content\": [' WHERE state = 1";
            Assert.Equal(1, await damage.ExecuteNonQueryAsync().WaitAsync(Timeout));
        }

        await using var restarted = await gateway.RestartAsync();
        await using var again = await McpClients.ConnectAsync(restarted.Endpoint("fixture"));
        var repeat = await again.CallToolAsync("record", arguments).AsTask().WaitAsync(Timeout);

        Assert.Equal("idempotency_outcome_unknown", Witness.ErrorCode(repeat));
        Assert.False(Witness.Error(repeat)["retryable"]!.GetValue<bool>());
        Assert.Single(Witness.Recorded(record, "record", note));
        await restarted.WaitForOutputAsync("cannot be read; answered outcome-unknown", Timeout);
    }

    [Fact]
    public async Task Write_InFlightWhenGatewayIsKilled_AnswersOutcomeUnknownAndIsNeverRepeated()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["slow"], record));
        config["identity"] = new System.Text.Json.Nodes.JsonObject { ["dev"] = true };
        var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        var note = IdempotentWriteTests.Unique("killed");
        var arguments = new Dictionary<string, object?> { ["seconds"] = 120, ["note"] = note, ["idempotency_key"] = IdempotentWriteTests.Unique("key") };
        var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var inFlight = client.CallToolAsync("slow", arguments).AsTask();
        await WaitUntilAsync(() => Witness.Recorded(record, "slow", note).Count == 1);

        await gateway.KillAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => inFlight.WaitAsync(Timeout));
        await McpClients.DisposeQuietlyAsync(client);
        await gateway.DisposeAsync();
        await using var restarted = await gateway.RestartAsync();
        // Event 2801 counts the claim the killed process left in flight.
        await restarted.WaitForOutputAsync("1 claim(s) of an earlier incarnation settled as outcome-unknown", Timeout);
        await using var again = await McpClients.ConnectAsync(restarted.Endpoint("fixture"));
        var repeat = await again.CallToolAsync("slow", arguments).AsTask().WaitAsync(Timeout);
        var repeatAgain = await again.CallToolAsync("slow", arguments).AsTask().WaitAsync(Timeout);

        Assert.Equal("idempotency_outcome_unknown", Witness.ErrorCode(repeat));
        Assert.False(Witness.Error(repeat)["retryable"]!.GetValue<bool>());
        Assert.Equal("idempotency_outcome_unknown", Witness.ErrorCode(repeatAgain));
        Assert.Single(Witness.Recorded(record, "slow", note));

        // The documented alert watches portcullis_idempotency_outcome_unknown_total: the restart that settles the key counts
        // it there (before, only keys marked by a running gateway were, and a crash raised no alert).
        var metrics = await (await AdminPlane.OfAsync(restarted)).MetricsAsync().WaitAsync(Timeout);
        var line = metrics.Split('\n').SingleOrDefault(l => l.StartsWith("portcullis_idempotency_outcome_unknown_total{", StringComparison.Ordinal)
            && l.Contains("event=\"recovered\"", StringComparison.Ordinal));
        Assert.True(line is not null, metrics);
        Assert.Equal("1", line!.Split(' ')[1]);
    }

    /// <summary>
    /// An agent retries each write with its key until it gets an answer it can act on, while the gateway is killed and
    /// restarted under it. Every answer must be true: a retryable answer is followed by success, outcome-unknown only
    /// follows an answer that was lost with the gateway, no allowed tool is ever "not found", nothing acts twice.
    /// </summary>
    [Fact]
    public async Task RetriedWrites_GatewayKilledAndRestartedUnderThem_GetOnlyTrueAnswers()
    {
        const int writes = 36;
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["slow"], record))), dir.File("data"));
        var endpoint = gateway.Endpoint("fixture");
        var run = IdempotentWriteTests.Unique("restarts");
        var answers = Enumerable.Range(0, writes).Select(_ => new List<string>()).ToArray();
        var finished = 0;

        var agent = Task.Run(async () =>
        {
            ModelContextProtocol.Client.McpClient? client = null;
            for (var i = 0; i < writes; i++)
            {
                var arguments = new Dictionary<string, object?> { ["seconds"] = 0.3, ["note"] = $"{run}-{i}", ["idempotency_key"] = $"{run}-k{i}" };
                while (true)
                {
                    try
                    {
                        client ??= await McpClients.ConnectAsync(endpoint);
                        var result = await client.CallToolAsync("slow", arguments, cancellationToken: Timeouts.CallToken);
                        if (Witness.ErrorCode(result) is not { } code)
                        {
                            answers[i].Add(result.Meta?["portcullis/replay"] is not null ? "replay" : "ok");
                            break;
                        }

                        var error = Witness.Error(result);
                        var retryable = error["retryable"]!.GetValue<bool>();
                        answers[i].Add($"{code}:{(retryable ? "retryable" : "final")}");
                        if (!retryable)
                        {
                            break;
                        }

                        // An agent honours the delay it was given before retrying with the same key.
                        await Task.Delay(TimeSpan.FromSeconds(error["retry_after_seconds"]?.GetValue<int>() ?? 1));
                    }
                    catch (Exception ex) when (ex is not TimeoutException)
                    {
                        // The gateway went away mid-call or is not back yet: the answer is lost, retry with the same key.
                        answers[i].Add("lost");
                        await McpClients.DisposeQuietlyAsync(client);
                        client = null;

                        // Not observable from here when the gateway is back: an agent tries again a moment later.
                        await Task.Delay(200);
                    }
                }

                Interlocked.Increment(ref finished);
            }

            await McpClients.DisposeQuietlyAsync(client);
        });

        for (var kill = 1; kill <= 3; kill++)
        {
            await Poll.UntilAsync(() => Volatile.Read(ref finished) >= kill * writes / 4 || agent.IsCompleted, Timeouts.Startup, "the agent to make progress");
            await gateway.KillAsync();
            await gateway.DisposeAsync();
            gateway = await gateway.RestartAsync();
        }

        await agent.WaitAsync(TimeSpan.FromMinutes(3));
        await gateway.DisposeAsync();

        for (var i = 0; i < writes; i++)
        {
            var seen = answers[i];
            var acted = Witness.Recorded(record, "slow", $"{run}-{i}").Count;
            var trace = $"write {i}: {string.Join(", ", seen)}; acted {acted} time(s)";
            Assert.True(acted <= 1, trace);
            Assert.DoesNotContain(seen, a => a.StartsWith("tool_not_found", StringComparison.Ordinal));
            Assert.True(seen[^1] is "ok" or "replay" or "idempotency_outcome_unknown:final", trace);
            if (seen[^1] is "ok" or "replay")
            {
                Assert.True(acted == 1, trace);
            }
            else
            {
                // The outcome is unknown only because an answer was lost with the gateway, never after a retryable answer.
                var lostAt = seen.LastIndexOf("lost");
                Assert.True(lostAt >= 0 && !seen.Skip(lostAt).Any(a => a.EndsWith(":retryable", StringComparison.Ordinal)), trace);
            }
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition) => Poll.UntilAsync(condition, Timeout, "the fixture's record");
}
