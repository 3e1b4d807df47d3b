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
        // 2: operators settle outcome-unknown keys and list keys by state.
        """
        ALTER TABLE portcullis_idempotency
            ADD COLUMN resolved_executed boolean NULL,
            ADD COLUMN resolved_by text NULL,
            ADD COLUMN resolved_at bigint NULL,
            ADD COLUMN resolution_note text NULL;
        CREATE INDEX portcullis_idempotency_state ON portcullis_idempotency (state, created_at);
        """,
        // 3: the audit trail of every replica, append-only: updates and truncation are refused, only the purge deletes.
        """
        CREATE TABLE portcullis_audit_events (
            id bigserial PRIMARY KEY,
            time bigint NOT NULL,
            correlation_id text NOT NULL,
            environment text NOT NULL,
            connector text NULL,
            principal text NULL,
            client_id text NULL,
            kind text NOT NULL,
            tool text NULL,
            resource text NULL,
            prompt text NULL,
            arguments_sha256 text NULL,
            decision text NOT NULL,
            code text NULL,
            stage text NULL,
            upstream_reached boolean NULL,
            replay boolean NULL,
            duration_ms double precision NULL,
            detail text NULL,
            actor text NULL,
            remote_address text NULL,
            arguments text NULL);
        CREATE INDEX portcullis_audit_events_time ON portcullis_audit_events (time, id);
        CREATE INDEX portcullis_audit_events_principal ON portcullis_audit_events (principal, time);
        CREATE INDEX portcullis_audit_events_tool ON portcullis_audit_events (tool, time);
        CREATE INDEX portcullis_audit_events_code ON portcullis_audit_events (code, time);
        CREATE INDEX portcullis_audit_events_correlation ON portcullis_audit_events (correlation_id);
        CREATE FUNCTION portcullis_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
        CREATE TRIGGER portcullis_audit_events_no_update BEFORE UPDATE ON portcullis_audit_events
            FOR EACH ROW EXECUTE FUNCTION portcullis_audit_append_only();
        CREATE TRIGGER portcullis_audit_events_no_truncate BEFORE TRUNCATE ON portcullis_audit_events
            FOR EACH STATEMENT EXECUTE FUNCTION portcullis_audit_append_only();
        """,
        // 4: human review: a held record is its review (state 3), decided once.
        """
        ALTER TABLE portcullis_idempotency
            ADD COLUMN review_id text NULL,
            ADD COLUMN review_mode text NULL,
            ADD COLUMN review_arguments text NULL,
            ADD COLUMN review_correlation_id text NULL,
            ADD COLUMN review_expires_at bigint NULL,
            ADD COLUMN review_required integer NULL,
            ADD COLUMN review_approvals text NULL,
            ADD COLUMN review_decision boolean NULL,
            ADD COLUMN review_decided_by text NULL,
            ADD COLUMN review_decided_at bigint NULL,
            ADD COLUMN review_reason text NULL;
        CREATE UNIQUE INDEX portcullis_idempotency_review ON portcullis_idempotency (review_id) WHERE review_id IS NOT NULL;
        CREATE INDEX portcullis_idempotency_reviews ON portcullis_idempotency (created_at, review_id) WHERE review_id IS NOT NULL;
        """,
        // 5: a session the client ended stays, ended, until its expiry, so every replica holding it ends it too.
        """
        ALTER TABLE portcullis_sessions ADD COLUMN ended boolean NOT NULL DEFAULT false;
        """,
        // 6: an approval binds to the tool's definition as it was when the call was held.
        """
        ALTER TABLE portcullis_idempotency ADD COLUMN review_definition text NULL;
        """,
        // 7: which process holds each replica id, so two processes never run as one replica.
        """
        CREATE TABLE portcullis_replicas (
            replica_id text PRIMARY KEY,
            owner text NOT NULL,
            renewed_at bigint NOT NULL,
            held_until bigint NOT NULL);
        """,
        // 8: an audit event may stand for several refusals: the summary of those a source's burst left out.
        """
        ALTER TABLE portcullis_audit_events ADD COLUMN event_count bigint NULL;
        """,
        // 9: a principal's pending reviews are counted before it may hold one more.
        """
        CREATE INDEX portcullis_idempotency_pending_reviews ON portcullis_idempotency (environment, principal, review_expires_at)
            WHERE review_id IS NOT NULL AND review_decision IS NULL;
        """,
        // 10: the logging level a session's client asked for, which every replica relaying its log messages applies.
        """
        ALTER TABLE portcullis_sessions ADD COLUMN log_level text NULL;
        """,
        // 11: a review a claim answered expired stays expired, whatever time a later request carries.
        """
        ALTER TABLE portcullis_idempotency ADD COLUMN review_lapsed boolean NULL;
        """,
        // 12: the resources a session's client subscribed to, held again by the replica its event stream is opened on next.
        """
        CREATE TABLE portcullis_session_subscriptions (
            session_id text NOT NULL,
            uri text NOT NULL,
            PRIMARY KEY (session_id, uri));
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
            command.CommandTimeout = PostgresDataSource.MaintenanceTimeoutSeconds;
            command.Parameters.AddWithValue("lock", MigrationLock);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int current;
        await using (var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM portcullis_schema_version", connection, transaction))
        {
            command.CommandTimeout = PostgresDataSource.MaintenanceTimeoutSeconds;
            current = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        for (var version = current + 1; version <= Migrations.Length; version++)
        {
            await using var migrate = new NpgsqlCommand(Migrations[version - 1] + "; INSERT INTO portcullis_schema_version (version) VALUES (@version)", connection, transaction);
            migrate.CommandTimeout = PostgresDataSource.MaintenanceTimeoutSeconds;
            migrate.Parameters.AddWithValue("version", version);
            await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return Math.Max(current, Migrations.Length);
    }
}
