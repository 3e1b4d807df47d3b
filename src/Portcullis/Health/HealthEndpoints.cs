using System.Text.Json.Nodes;
using Portcullis.Core.Connectors;
using Portcullis.Core.Upstreams;

namespace Portcullis.Health;

/// <summary><c>/healthz</c> (the process serves) and <c>/readyz</c> (the state store is ready and every upstream is connected).</summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Json(new JsonObject { ["status"] = "ok" }));
        endpoints.MapGet("/readyz", (ConnectorRegistry connectors, TimeProvider time, Hosting.StateReadiness state, Portcullis.Core.State.IStateStore store) =>
        {
            var body = new JsonObject();
            var ready = state.IsReady;
            foreach (var connector in connectors.All)
            {
                var status = connector.Status;
                ready &= status.State == UpstreamState.Connected;
                var entry = new JsonObject
                {
                    ["state"] = status.State.ToString().ToLowerInvariant(),
                    ["restarts"] = status.Restarts,
                    ["tools"] = connector.Catalog.Ordered.Count,
                };
                if (status.NextAttemptAt is { } next)
                {
                    entry["next_attempt_in_seconds"] = Math.Max(0, Math.Round((next - time.GetUtcNow()).TotalSeconds, 1));
                }

                if (status.LastError is { } error)
                {
                    entry["last_error"] = error;
                }

                body[connector.Name] = entry;
            }

            var result = new JsonObject
            {
                ["status"] = ready ? "ready" : "not_ready",
                ["state"] = new JsonObject { ["store"] = store.Name, ["ready"] = state.IsReady },
                ["connectors"] = body,
            };
            return Results.Json(result, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }
}
