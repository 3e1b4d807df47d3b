using Npgsql;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Review;
using Portcullis.Core.State;

namespace Portcullis.Stores.Postgres;

/// <summary>
/// Idempotency records in PostgreSQL. A claim is one <c>INSERT … ON CONFLICT DO UPDATE … WHERE expired</c>: it
/// takes a free or expired key atomically; when it takes nothing, the row that holds the key says why. Records carry
/// the claiming replica's owner value.
/// </summary>
internal sealed partial class PostgresIdempotencyStore(NpgsqlDataSource dataSource, ReplicaIdentity replica) : IIdempotencyStore
{
    private const short InProgress = 0;
    private const short Completed = 1;
    private const short Unknown = 2;
    private const short AwaitingReview = 3;

    private const string Key = "environment = @environment AND connector = @connector AND principal = @principal AND tool = @tool AND key = @key";

    /// <summary>
    /// One round trip for the common case: the live record of the key if there is one, else (for a call that is not
    /// held for review) the claim of a free or expired key. The claim runs only when the read found nothing, so a
    /// replay or a refused claim still takes no row lock and writes nothing. Both read one snapshot: a record
    /// committed by another replica in between makes the claim take nothing, and the caller reads again.
    /// </summary>
    private const string ReadOrClaimSql = $"""
        WITH live AS (
            SELECT fingerprint AS live_fingerprint, state, correlation_id, lease_expires_at, result, {ReviewColumns}
            FROM portcullis_idempotency WHERE {Key} AND created_at > @expired),
        claim AS (
            INSERT INTO portcullis_idempotency AS r
                (environment, connector, principal, tool, key, fingerprint, state, token, correlation_id, owner, created_at, lease_expires_at, updated_at, result)
            SELECT @environment, @connector, @principal, @tool, @key, @fingerprint, 0, @token, @correlation, @owner, @now, @lease, @now, NULL
            WHERE @claim AND NOT EXISTS (SELECT 1 FROM live)
            ON CONFLICT (environment, connector, principal, tool, key) DO UPDATE
            SET fingerprint = EXCLUDED.fingerprint, state = 0, token = EXCLUDED.token, correlation_id = EXCLUDED.correlation_id,
                owner = EXCLUDED.owner, created_at = EXCLUDED.created_at, lease_expires_at = EXCLUDED.lease_expires_at,
                updated_at = EXCLUDED.updated_at, result = NULL,
                resolved_executed = NULL, resolved_by = NULL, resolved_at = NULL, resolution_note = NULL,
                review_id = NULL, review_mode = NULL, review_arguments = NULL, review_correlation_id = NULL, review_expires_at = NULL,
                review_required = NULL, review_approvals = NULL, review_decision = NULL, review_decided_by = NULL, review_decided_at = NULL, review_reason = NULL,
                review_definition = NULL, review_lapsed = NULL
            WHERE r.created_at <= @expired
            RETURNING token)
        SELECT live.*, claim.token FROM (VALUES (0)) AS one (n) LEFT JOIN live ON true LEFT JOIN claim ON true
        """;

    private readonly PostgresDeadline _deadline = PostgresDeadline.For(dataSource);

    public ValueTask<ClaimResult> TryClaimAsync(IdempotencyClaimRequest request, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => ClaimAsync(request, ct), cancellationToken);

    private async ValueTask<ClaimResult> ClaimAsync(IdempotencyClaimRequest request, CancellationToken cancellationToken)
    {
        var now = request.Now.ToUnixTimeMilliseconds();
        var expired = (request.Now - request.Retention).ToUnixTimeMilliseconds();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // A live record answers from a plain read: replays and refused claims take no row lock and write nothing.
        // Only a free or expired key is claimed; a claim that loses a race reads the winner's record, and a record
        // released meanwhile makes the key free again: try anew.
        for (var attempt = 0; ; attempt++)
        {
            var token = request.Token;
            await using var command = new NpgsqlCommand(ReadOrClaimSql, connection);
            Bind(command, request.Scope);
            command.Parameters.AddWithValue("fingerprint", request.Fingerprint);
            command.Parameters.AddWithValue("token", token);
            command.Parameters.AddWithValue("correlation", request.CorrelationId);
            command.Parameters.AddWithValue("owner", replica.Owner);
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("lease", (request.Now + request.Lease).ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("expired", expired);
            command.Parameters.AddWithValue("claim", request.Review is null);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            // The claim's token is the last column; the live record's columns come first.
            if (!reader.IsDBNull(reader.FieldCount - 1))
            {
                return ClaimResult.Claimed(token);
            }

            if (reader.IsDBNull(0))
            {
                await reader.DisposeAsync().ConfigureAwait(false);
                if (request.Review is { } hold)
                {
                    if (!await HoldAsync(connection, request, hold, expired, cancellationToken).ConfigureAwait(false))
                    {
                        return ClaimResult.ReviewLimitReached();
                    }
                }
                else if (attempt >= 10)
                {
                    throw new InvalidOperationException("The idempotency key kept changing hands while it was claimed.");
                }

                continue;
            }

            var correlationId = reader.GetString(2);
            if (!string.Equals(reader.GetString(0), request.Fingerprint, StringComparison.Ordinal))
            {
                return ClaimResult.Reused(correlationId);
            }

            if (reader.GetInt16(1) == AwaitingReview)
            {
                if (TryReadReview(reader, 5) is not { } review)
                {
                    // A hold whose review cannot be read (damaged by hand or by another program): whether its call was
                    // decided, or ran, cannot be told, so the key is neither run nor held again; it is listed outcome-unknown alike.
                    return ClaimResult.OutcomeUnknown(correlationId);
                }

                await reader.DisposeAsync().ConfigureAwait(false);
                var judged = ReviewTransitions.Judge(review, request);
                if (ReviewTransitions.Lapses(review, judged))
                {
                    if (await TryLapseAsync(connection, request.Scope, review, cancellationToken).ConfigureAwait(false))
                    {
                        return ClaimResult.Held(judged, review with { Lapsed = true });
                    }

                    // Decided or taken since it was read: answer as it stands now.
                    if (attempt >= 10)
                    {
                        throw new InvalidOperationException("The review kept changing while it was answered expired.");
                    }

                    continue;
                }

                if (judged != ClaimStatus.Claimed)
                {
                    return ClaimResult.Held(judged, review);
                }

                if (await TryTakeApprovedAsync(connection, request, review.Id, cancellationToken).ConfigureAwait(false) is { } taken)
                {
                    return ClaimResult.Claimed(taken, review);
                }

                // Another retry took it first: read again (in progress, or released back to approved).
                if (attempt >= 10)
                {
                    throw new InvalidOperationException("The approved review kept changing hands while it was claimed.");
                }

                continue;
            }

            var leaseExpiresAt = reader.GetInt64(3);
            return reader.GetInt16(1) switch
            {
                // A completed record without its result cannot be replayed, nor run again: its outcome is unknown.
                Completed when !reader.IsDBNull(4) => ClaimResult.Completed(reader.GetString(4), correlationId),
                InProgress when leaseExpiresAt > now => ClaimResult.InProgress(DateTimeOffset.FromUnixTimeMilliseconds(leaseExpiresAt), correlationId),
                _ => ClaimResult.OutcomeUnknown(correlationId),
            };
        }
    }

    /// <remarks>True too when the key already holds this very result of this token (the same completion, applied although its answer was lost).</remarks>
    public ValueTask<bool> CompleteAsync(IdempotencyScope scope, string token, string resultJson, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(scope, token, $"""
            UPDATE portcullis_idempotency SET state = {Completed}, result = @result, updated_at = CASE WHEN state = {InProgress} THEN @now ELSE updated_at END
            WHERE {Key} AND token = @token AND (state = {InProgress} OR (state = {Completed} AND resolved_executed IS NULL AND result = @result))
            """, now, resultJson, cancellationToken);

    /// <remarks>True too when this token already marked the key so.</remarks>
    public ValueTask<bool> MarkUnknownAsync(IdempotencyScope scope, string token, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(scope, token, $"""
            UPDATE portcullis_idempotency SET state = {Unknown}, updated_at = CASE WHEN state = {InProgress} THEN @now ELSE updated_at END
            WHERE {Key} AND token = @token AND state IN ({InProgress}, {Unknown})
            """, now, null, cancellationToken);

    /// <remarks>The claim of an approved review goes back to approved (the approval still stands) instead of being forgotten.</remarks>
    public ValueTask<bool> ReleaseAsync(IdempotencyScope scope, string token, CancellationToken cancellationToken) =>
        ExecuteAsync(scope, token, $"""
            UPDATE portcullis_idempotency SET state = {AwaitingReview}, token = '' WHERE {Key} AND token = @token AND state = {InProgress} AND review_id IS NOT NULL;
            DELETE FROM portcullis_idempotency WHERE {Key} AND token = @token AND state = {InProgress} AND review_id IS NULL
            """, null, null, cancellationToken);

    public async ValueTask<int> PurgeAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken)
    {
        // In batches, so a purge of millions of rows never holds one long transaction.
        var purged = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand(
                "DELETE FROM portcullis_idempotency WHERE ctid IN (SELECT ctid FROM portcullis_idempotency WHERE created_at < @before LIMIT 10000)");
            command.CommandTimeout = PostgresDataSource.MaintenanceTimeoutSeconds;
            command.Parameters.AddWithValue("before", createdBefore.ToUnixTimeMilliseconds());
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            purged += deleted;
            if (deleted < 10000)
            {
                return purged;
            }
        }
    }

    /// <summary>
    /// Claims an earlier incarnation of this replica left in progress become outcome-unknown. An owner is the id,
    /// '#' and 16 hex digits; claims of every other replica are untouched.
    /// </summary>
    public async ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE portcullis_idempotency SET state = {Unknown}, updated_at = @now
            WHERE state = {InProgress} AND owner <> @owner AND length(owner) = length(@id) + 17 AND left(owner, length(@id) + 1) = @id || '#'
            """);
        command.CommandTimeout = PostgresDataSource.MaintenanceTimeoutSeconds;
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("owner", replica.Owner);
        command.Parameters.AddWithValue("id", replica.Id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<bool> ExecuteAsync(IdempotencyScope scope, string token, string sql, DateTimeOffset? now, string? result, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => ExecuteUnboundedAsync(scope, token, sql, now, result, ct), cancellationToken);

    private async ValueTask<bool> ExecuteUnboundedAsync(IdempotencyScope scope, string token, string sql, DateTimeOffset? now, string? result, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        Bind(command, scope);
        command.Parameters.AddWithValue("token", token);
        if (now is { } at)
        {
            command.Parameters.AddWithValue("now", at.ToUnixTimeMilliseconds());
        }

        if (result is not null)
        {
            command.Parameters.AddWithValue("result", result);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static void Bind(NpgsqlCommand command, IdempotencyScope scope)
    {
        command.Parameters.AddWithValue("environment", scope.Environment);
        command.Parameters.AddWithValue("connector", scope.Connector);
        command.Parameters.AddWithValue("principal", scope.Principal);
        command.Parameters.AddWithValue("tool", scope.Tool);
        command.Parameters.AddWithValue("key", scope.Key);
    }
}
