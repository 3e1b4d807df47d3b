using Microsoft.Data.Sqlite;
using Portcullis.Core.Idempotency;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// The embedded idempotency store: one SQLite file in WAL mode; reads on pooled connections, every write through
/// one <see cref="SqliteGroupWriter"/>, with a busy timeout for any other process.
/// </summary>
/// <remarks>
/// SQLite allows one writer at a time, and a writer that finds the file locked is retried by the driver after a
/// sleep, which under concurrent calls costs far more than waiting in line; so the writes of this process take turns
/// on one connection, and those that wait meanwhile commit together, each in its own savepoint.
/// The file belongs to one gateway process. When the store starts (<see cref="RecoverAsync"/>, before the gateway
/// serves), claims still in progress were left by a process that died mid-call (SIGKILL, crash, power loss): they
/// become outcome-unknown at once instead of waiting for their lease, and are never re-executed. Records held
/// awaiting review were never sent and stay as they are.
/// </remarks>
internal sealed partial class SqliteIdempotencyStore : IIdempotencyStore, IDisposable, IAsyncDisposable
{
    private const int InProgress = 0;
    private const int Completed = 1;
    private const int Unknown = 2;
    private const int AwaitingReview = 3;

    private const string Key = "environment = $environment AND connector = $connector AND principal = $principal AND tool = $tool AND key = $key";

    private readonly string _connectionString;
    private readonly SqliteGroupWriter _writes;
    private int _recovered;

    public SqliteIdempotencyStore(string path, TimeSpan busyTimeout)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)Math.Max(1, busyTimeout.TotalSeconds),
        }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS idempotency (
                environment TEXT NOT NULL,
                connector TEXT NOT NULL,
                principal TEXT NOT NULL,
                tool TEXT NOT NULL,
                key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                state INTEGER NOT NULL,
                token TEXT NOT NULL,
                correlation_id TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                lease_expires_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                result TEXT NULL,
                PRIMARY KEY (environment, connector, principal, tool, key)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS idempotency_created_at ON idempotency (created_at);
            CREATE INDEX IF NOT EXISTS idempotency_state ON idempotency (state, created_at);
            """;
        command.ExecuteNonQuery();
        AddColumns(connection);
        var writer = new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString();
        _writes = new SqliteGroupWriter(() => Open(writer));
    }

    public void Dispose() => _writes.Dispose();

    public ValueTask DisposeAsync() => _writes.DisposeAsync();

    public ValueTask<ClaimResult> TryClaimAsync(IdempotencyClaimRequest request, CancellationToken cancellationToken) =>
        new(_writes.WriteAsync((connection, transaction) => Claim(connection, transaction, request), cancellationToken));

    private static ClaimResult Claim(SqliteConnection connection, SqliteTransaction transaction, IdempotencyClaimRequest request)
    {
        var now = request.Now.ToUnixTimeMilliseconds();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = $"SELECT fingerprint, state, correlation_id, created_at, lease_expires_at, result FROM idempotency WHERE {Key}";
            Bind(select, request.Scope);
            using var reader = select.ExecuteReader();
            if (reader.Read() && (reader.GetFieldType(3) != typeof(long) || reader.GetFieldType(4) != typeof(long)))
            {
                // Its times are not numbers (SQLite keeps what it is given, and would read them as 0: an expired key, taken
                // and run again): whether its call ran cannot be told, so the key is neither run again nor taken.
                return ClaimResult.OutcomeUnknown(reader.IsDBNull(2) ? "" : reader.GetString(2));
            }

            if (reader.HasRows && reader.GetInt64(3) > (request.Now - request.Retention).ToUnixTimeMilliseconds())
            {
                var correlationId = reader.GetString(2);
                if (!string.Equals(reader.GetString(0), request.Fingerprint, StringComparison.Ordinal))
                {
                    return ClaimResult.Reused(correlationId);
                }

                var leaseExpiresAt = reader.GetInt64(4);
                var state = reader.GetInt32(1);
                if (state == AwaitingReview)
                {
                    reader.Close();
                    return JudgeHold(connection, transaction, request, correlationId);
                }

                return state switch
                {
                    // A completed record without its result cannot be replayed, nor run again: its outcome is unknown.
                    Completed when !reader.IsDBNull(5) => ClaimResult.Completed(reader.GetString(5), correlationId),
                    InProgress when leaseExpiresAt > now => ClaimResult.InProgress(DateTimeOffset.FromUnixTimeMilliseconds(leaseExpiresAt), correlationId),
                    _ => ClaimResult.OutcomeUnknown(correlationId),
                };
            }
        }

        if (request.Review is { } hold)
        {
            if (PendingReviews(connection, transaction, request) >= hold.MaxPendingPerPrincipal)
            {
                return ClaimResult.ReviewLimitReached();
            }

            InsertHold(connection, transaction, request, hold);
            return ReadReview(connection, transaction, scope: request.Scope) is { } held
                ? ClaimResult.Held(ClaimStatus.AwaitingReview, held)
                : throw new InvalidOperationException("The held record vanished after its insert.");
        }

        var token = request.Token;
        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT OR REPLACE INTO idempotency
                    (environment, connector, principal, tool, key, fingerprint, state, token, correlation_id, created_at, lease_expires_at, updated_at, result,
                     resolved_executed, resolved_by, resolved_at, resolution_note, review_id)
                VALUES ($environment, $connector, $principal, $tool, $key, $fingerprint, 0, $token, $correlation, $now, $lease, $now, NULL,
                        NULL, NULL, NULL, NULL, NULL)
                """;
            Bind(insert, request.Scope);
            insert.Parameters.AddWithValue("$fingerprint", request.Fingerprint);
            insert.Parameters.AddWithValue("$token", token);
            insert.Parameters.AddWithValue("$correlation", request.CorrelationId);
            insert.Parameters.AddWithValue("$now", now);
            insert.Parameters.AddWithValue("$lease", (request.Now + request.Lease).ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
        }

        return ClaimResult.Claimed(token);
    }

    /// <remarks>True too when the key already holds this very result of this token (the same completion, stored again).</remarks>
    public ValueTask<bool> CompleteAsync(IdempotencyScope scope, string token, string resultJson, DateTimeOffset now, CancellationToken cancellationToken) =>
        Update(scope, token, $"""
            UPDATE idempotency SET state = {Completed}, result = $result, updated_at = CASE WHEN state = {InProgress} THEN $now ELSE updated_at END
            WHERE {Key} AND token = $token AND (state = {InProgress} OR (state = {Completed} AND resolved_executed IS NULL AND result = $result))
            """, now, resultJson, cancellationToken);

    /// <remarks>True too when this token already marked the key so.</remarks>
    public ValueTask<bool> MarkUnknownAsync(IdempotencyScope scope, string token, DateTimeOffset now, CancellationToken cancellationToken) =>
        Update(scope, token, $"""
            UPDATE idempotency SET state = {Unknown}, updated_at = CASE WHEN state = {InProgress} THEN $now ELSE updated_at END
            WHERE {Key} AND token = $token AND state IN ({InProgress}, {Unknown})
            """, now, null, cancellationToken);

    public ValueTask<bool> ReleaseAsync(IdempotencyScope scope, string token, CancellationToken cancellationToken) =>
        Update(scope, token, $"""
            UPDATE idempotency SET state = {AwaitingReview}, token = '' WHERE {Key} AND token = $token AND state = {InProgress} AND review_id IS NOT NULL;
            DELETE FROM idempotency WHERE {Key} AND token = $token AND state = {InProgress} AND review_id IS NULL;
            """, null, null, cancellationToken);

    /// <summary>
    /// Settles the claims an earlier process left in progress: they become outcome-unknown, stamped
    /// <paramref name="now"/>. Only the first call of this instance settles anything: by a later one, every claim in
    /// progress is this process's own.
    /// </summary>
    /// <returns>How many claims were settled.</returns>
    public ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _recovered, 1) == 1
            ? ValueTask.FromResult(0)
            : new(_writes.WriteAsync((connection, transaction) =>
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = $"UPDATE idempotency SET state = {Unknown}, updated_at = $now WHERE state = {InProgress}";
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            }, cancellationToken, alone: true));

    public ValueTask<int> PurgeAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken) =>
        new(_writes.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM idempotency WHERE created_at < $before";
            command.Parameters.AddWithValue("$before", createdBefore.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        }, cancellationToken, alone: true));

    private ValueTask<bool> Update(IdempotencyScope scope, string token, string sql, DateTimeOffset? now, string? result, CancellationToken cancellationToken) =>
        new(_writes.WriteAsync((connection, transaction) => Execute(connection, transaction, scope, token, sql, now, result), cancellationToken));

    private static bool Execute(SqliteConnection connection, SqliteTransaction transaction, IdempotencyScope scope, string token, string sql, DateTimeOffset? now, string? result)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Bind(command, scope);
        command.Parameters.AddWithValue("$token", token);
        if (now is { } at)
        {
            command.Parameters.AddWithValue("$now", at.ToUnixTimeMilliseconds());
        }

        if (result is not null)
        {
            command.Parameters.AddWithValue("$result", result);
        }

        return command.ExecuteNonQuery() == 1;
    }

    private SqliteConnection Open() => Open(_connectionString);

    private static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        // FULL: a claim is on disk before the call is sent, so a power loss cannot lead to acting twice.
        pragma.CommandText = "PRAGMA synchronous = FULL";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static void Bind(SqliteCommand command, IdempotencyScope scope)
    {
        command.Parameters.AddWithValue("$environment", scope.Environment);
        command.Parameters.AddWithValue("$connector", scope.Connector);
        command.Parameters.AddWithValue("$principal", scope.Principal);
        command.Parameters.AddWithValue("$tool", scope.Tool);
        command.Parameters.AddWithValue("$key", scope.Key);
    }
}
