using System.Text.Json.Nodes;

namespace Portcullis.Tests.Infrastructure;

/// <summary>The pool of a gateway on PostgreSQL, as tests of a frozen server need it.</summary>
internal static class PostgresPool
{
    /// <summary>
    /// Leaves <paramref name="count"/> idle connections in the gateway's pool: that many requests held together behind a
    /// table lock, then let through. A request to a frozen server then meets it on an open connection (as a busy gateway
    /// does), not on a new one, whose connection timeout alone would answer it.
    /// </summary>
    public static async Task WarmAsync(string connectionString, Func<Task<(int Status, JsonNode? Body, HttpResponseMessage Response)>> request, int count)
    {
        await using var holder = new Npgsql.NpgsqlConnection(connectionString);
        await holder.OpenAsync().Within();
        Task<(int Status, JsonNode? Body, HttpResponseMessage Response)>[] requests;
        await using (var transaction = await holder.BeginTransactionAsync().Within())
        {
            await using (var lockTable = new Npgsql.NpgsqlCommand("LOCK TABLE portcullis_idempotency IN ACCESS EXCLUSIVE MODE", holder, transaction))
            {
                await lockTable.ExecuteNonQueryAsync().Within();
            }

            requests = [.. Enumerable.Range(0, count).Select(_ => request())];
            await Poll.UntilAsync(async _ =>
            {
                await using var waiting = new Npgsql.NpgsqlCommand(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'portcullis_idempotency'::regclass", holder, transaction);
                return (long)(await waiting.ExecuteScalarAsync())! >= count;
            }, Timeouts.Call, $"{count} requests waiting for the table");
        }

        Assert.All(await Task.WhenAll(requests).Within(), r => Assert.Equal(200, r.Status));
    }
}
