using System.CommandLine;
using System.Globalization;
using System.Text;
using Portcullis.Core.Audit;
using Portcullis.Core.Audit.Jsonl;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Hosting;
using Portcullis.Stores.Postgres;
using Portcullis.Stores.Sqlite;

namespace Portcullis.Cli;

/// <summary><c>portcullis audit</c>: who called what, when, and what the gateway decided; newest first.</summary>
internal static class AuditCommand
{
    /// <summary>The exit code when the trail's store could not be read (not a mistake in the command: retry later).</summary>
    public const int UnavailableExitCode = 1;

    public static Command Create()
    {
        var config = CommonOptions.Config();
        var dataDir = CommonOptions.DataDir();
        var since = new Option<string?>("--since") { Description = "Only events since then: a duration back from now (30m, 1h, 7d) or an ISO 8601 time." };
        var until = new Option<string?>("--until") { Description = "Only events until then: a duration back from now or an ISO 8601 time." };
        var principal = new Option<string?>("--principal") { Description = "Only events of this subject (the token's sub)." };
        var tool = new Option<string?>("--tool") { Description = "Only events about this tool." };
        var code = new Option<string?>("--code") { Description = "Only events that ended with this error code of the catalog (docs/errors.md), such as rate_limited." };
        var connector = new Option<string?>("--connector") { Description = "Only events of this connector." };
        var kind = new Option<string?>("--kind") { Description = $"Only events of this kind: {string.Join(", ", AuditKinds.All)}." };
        var decision = new Option<string?>("--decision") { Description = $"Only events with this decision: {string.Join(", ", AuditDecisions.All)}." };
        var correlation = new Option<string?>("--correlation-id") { Description = "Only the events of this correlation id." };
        var limit = new Option<int>("--limit") { Description = $"At most this many events (1 to {AuditQuery.MaxLimit}).", DefaultValueFactory = _ => 50 };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after the last page (the cursor it printed)." };
        var json = new Option<bool>("--json") { Description = "One JSON object a line, as the audit trail keeps them." };
        var command = new Command("audit", "Show the audit trail: every decision of the gateway, newest first.")
        {
            config, dataDir, since, until, principal, tool, code, connector, kind, decision, correlation, limit, cursor, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var loaded = ConfigErrors.TryLoad(parse.GetValue(config)!, new ConfigOverrides(DataDir: parse.GetValue(dataDir)) { Serving = false }, Console.Error);
            if (loaded is null)
            {
                return ConfigErrors.ExitCode;
            }

            if (Reader(loaded) is not { } reader)
            {
                return ConfigErrors.ExitCode;
            }

            var now = TimeProvider.System.GetUtcNow();
            DateTimeOffset? from = null, to = null;
            if (parse.GetValue(since) is { } s)
            {
                if (!TimeFilter.TryParse(s, now, out var at))
                {
                    Console.Error.WriteLine($"--since '{s}': use {TimeFilter.Expected}.");
                    return ConfigErrors.ExitCode;
                }

                from = at;
            }

            if (parse.GetValue(until) is { } u)
            {
                if (!TimeFilter.TryParse(u, now, out var at))
                {
                    Console.Error.WriteLine($"--until '{u}': use {TimeFilter.Expected}.");
                    return ConfigErrors.ExitCode;
                }

                to = at;
            }

            var count = parse.GetValue(limit);
            if (count is < 1 or > AuditQuery.MaxLimit)
            {
                Console.Error.WriteLine($"--limit: from 1 to {AuditQuery.MaxLimit}.");
                return ConfigErrors.ExitCode;
            }

            var query = new AuditQuery
            {
                Environment = loaded.Environment,
                Since = from,
                Until = to,
                Principal = parse.GetValue(principal),
                Tool = parse.GetValue(tool),
                Code = parse.GetValue(code),
                Connector = parse.GetValue(connector),
                Kind = parse.GetValue(kind),
                Decision = parse.GetValue(decision),
                CorrelationId = parse.GetValue(correlation),
                Limit = count,
                Cursor = parse.GetValue(cursor),
            };
            if (AuditFilters.Check(query) is { } problem)
            {
                Console.Error.WriteLine($"--{problem.Filter} '{problem.Value}': {problem.Message}.");
                return ConfigErrors.ExitCode;
            }

            AuditPage page;
            try
            {
                page = await reader.QueryAsync(query, cancellationToken);
            }
            catch (ArgumentException)
            {
                Console.Error.WriteLine("--cursor: not one this audit trail printed.");
                return ConfigErrors.ExitCode;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or UnauthorizedAccessException or TimeoutException)
            {
                // The trail's store did not answer (PostgreSQL down, a file that cannot be read): say so, without a stack trace.
                Console.Error.WriteLine($"Cannot read the audit trail ({loaded.Audit.Sink} sink, {loaded.State.Store} store): {ex.GetType().Name}: {ex.Message}");
                return UnavailableExitCode;
            }

            if (parse.GetValue(json))
            {
                using var stdout = Console.OpenStandardOutput();
                foreach (var e in page.Events)
                {
                    stdout.Write(AuditJson.ToUtf8(e));
                    stdout.Write("\n"u8);
                }
            }
            else
            {
                Console.Out.WriteLine(Table(page.Events));
            }

            if (page.Next is { } next)
            {
                Console.Error.WriteLine($"# more events: --cursor {next}");
            }

            return 0;
        });
        return command;
    }

    private static IAuditReader? Reader(GatewayConfig config)
    {
        switch (config.Audit.Sink)
        {
            case "jsonl":
                return new JsonlAuditReader(AuditPaths.Jsonl(config));
            case "store" when config.State.Store == "postgres":
                try
                {
                    return PostgresStateServiceCollectionExtensions.OpenAuditReader(StateRegistration.ResolveConnection(config));
                }
                catch (ConfigException ex)
                {
                    Console.Error.WriteLine(ex.Message);
                    return null;
                }

            case "store":
                var path = AuditPaths.Store(config);
                if (!File.Exists(path))
                {
                    Console.Error.WriteLine($"No audit trail yet at {path} (the gateway creates it when it starts; pass the --data-dir it runs with).");
                    return null;
                }

                return SqliteAuditServiceCollectionExtensions.OpenReader(path);
            default:
                Console.Error.WriteLine("The audit trail is off in this config (audit.sink: none).");
                return null;
        }
    }

    private const int CellWidth = 48;

    /// <summary>
    /// The trail as a table for a terminal. Its values are what callers sent (a request path, a tool name): each cell is
    /// escaped like a log line, so no escape sequence or line break of theirs reaches the operator's terminal.
    /// </summary>
    private static string Table(IReadOnlyList<AuditEvent> events)
    {
        var rows = new List<string[]> { new[] { "TIME (UTC)", "KIND", "DECISION", "CODE", "STAGE", "CONNECTOR", "TOOL/TARGET", "PRINCIPAL", "MS", "CORRELATION ID" } };
        rows.AddRange(events.Select(e => new[]
        {
            AuditJson.FormatTime(e.Time), e.Kind, e.Count is { } count ? string.Create(CultureInfo.InvariantCulture, $"{e.Decision} x{count}") : e.Decision, e.Code ?? "-", e.Stage ?? "-", e.Connector ?? "-",
            e.Tool ?? e.Resource ?? e.Prompt ?? "-", e.Principal ?? e.Actor ?? e.RemoteAddress ?? "-",
            e.DurationMs is { } ms ? ms.ToString("F1", CultureInfo.InvariantCulture) : "-", e.CorrelationId,
        }.Select(cell => LogText.Safe(cell, CellWidth)).ToArray()));
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => Math.Min(r[i].Length, CellWidth))).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => (cell.Length > CellWidth ? cell[..(CellWidth - 1)] + "…" : cell).PadRight(widths[i]))).TrimEnd());
        }

        if (events.Count == 0)
        {
            text.AppendLine("(no events match)");
        }

        return text.ToString().TrimEnd();
    }
}
