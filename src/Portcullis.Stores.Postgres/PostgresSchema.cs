using Npgsql;

namespace Portcullis.Stores.Postgres;

/// <summary>
/// The tables of the PostgreSQL store, created or migrated at start-up. Each migration runs once, in order, under a
/// transaction-scoped advisory lock, so replicas starting together never race on DDL. Migrations only add, so the
/// replicas of the previous version keep working during a rolling upgrade.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>An arbitrary constant that names the migration lock.</summary>
    private const long MigrationLock = 0x504f5254_43554c4c;

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE portcullis_idempotency (
            environment text NOT NULL,
            connector text NOT NULL,
            principal text NOT NULL,
            tool text NOT NULL,
            key text NOT NULL,
            fingerprint text NOT NULL,
            state smallint NOT NULL,
            token text NOT NULL,
            correlation_id text NOT NULL,
            owner text NOT NULL,
            created_at bigint NOT NULL,
            lease_expires_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            result text NULL,
            PRIMARY KEY (environment, connector, principal, tool, key));
        CREATE INDEX portcullis_idempotency_created_at ON portcullis_idempotency (created_at);
        CREATE INDEX portcullis_idempotency_in_progress ON portcullis_idempotency (owner) WHERE state = 0;
        CREATE TABLE portcullis_sessions (
            session_id text PRIMARY KEY,
            connector text NOT NULL,
            principal text NOT NULL,
            initialize_params text NOT NULL,
            expires_at bigint NOT NULL);
        CREATE TABLE portcullis_pending_call_routes (
            request_state text PRIMARY KEY,
            owner text NOT NULL,
            advertise_url text NOT NULL,
            expires_at bigint NOT NULL);
        CREATE TABLE portcullis_rate_limits (
            name text NOT NULL,
            principal text NOT NULL,
            window_end bigint NOT NULL,
            count integer NOT NULL,
            PRIMARY KEY (name, principal));
        """,
    ];

    /// <summary>The newest version this build knows.</summary>
    public static int Version => Migrations.Length;

    /// <summary>Applies the migrations the database lacks; returns the version it is at afterwards.</summary>
    public static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(@lock); CREATE TABLE IF NOT EXISTS portcullis_schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            connection, transaction))
        {
            command.Parameters.AddWithValue("lock", MigrationLock);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int current;
        await using (var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM portcullis_schema_version", connection, transaction))
        {
            current = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        for (var version = current + 1; version <= Migrations.Length; version++)
        {
            await using var migrate = new NpgsqlCommand(Migrations[version - 1] + "; INSERT INTO portcullis_schema_version (version) VALUES (@version)", connection, transaction);
            migrate.Parameters.AddWithValue("version", version);
            await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return Math.Max(current, Migrations.Length);
    }
}
