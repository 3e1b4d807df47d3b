using System.Globalization;
using System.Text;
using Portcullis.Core.Idempotency;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// What operators need: one key, lists by state, and settling an outcome-unknown key. Lists walk the creation
/// index newest first and read the records in pipelined batches, filtering as they go: an admin query, never on
/// the call path.
/// </summary>
internal sealed partial class RedisIdempotencyStore
{
    private const int ListBatch = 500;

    public async ValueTask<IdempotencyRecord?> GetAsync(IdempotencyScope scope, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        var key = keys.Idempotency(scope);
        return Read(key, await ReadHashAsync(Db, key).ConfigureAwait(false), scope, now, (now - retention).ToUnixTimeMilliseconds());
    }

    public async ValueTask<IdempotencyRecordPage> ListAsync(IdempotencyListRequest request, CancellationToken cancellationToken)
    {
        var db = Db;
        var cutoff = (request.Now - request.Retention).ToUnixTimeMilliseconds();
        var (fromScore, fromMember) = request.Cursor is { } cursor ? DecodeCursor(cursor) : (double.PositiveInfinity, null);
        var records = new List<(IdempotencyRecord Record, long Created, string Member)>(request.Limit + 1);

        // Newest first; members of one score come in reverse lexical order, which the cursor follows.
        await foreach (var batch in db.WalkAsync(keys.CreatedIndex, fromScore, cutoff, Exclude.Stop, Order.Descending, ListBatch, cancellationToken).ConfigureAwait(false))
        {
            var candidates = batch
                .Where(e => fromMember is null || e.Score < fromScore || string.CompareOrdinal((string)e.Element!, fromMember) < 0)
                .ToList();
            var reads = candidates.Select(e => ReadHashAsync(db, (string)e.Element!)).ToList();
            await Task.WhenAll(reads).ConfigureAwait(false);
            for (var i = 0; i < candidates.Count && records.Count <= request.Limit; i++)
            {
                var created = (long)candidates[i].Score;
                // A record whose creation time cannot be read is listed by its entry's.
                if (Read((string)candidates[i].Element!, reads[i].Result, null, request.Now, cutoff) is { } record && Matches(record, request)
                    && (record.CreatedAt.ToUnixTimeMilliseconds() == created || record.Unreadable?.Names("created_at") == true))
                {
                    records.Add((record, created, (string)candidates[i].Element!));
                }
            }

            if (records.Count > request.Limit)
            {
                break;
            }
        }

        if (records.Count <= request.Limit)
        {
            return new IdempotencyRecordPage([.. records.Select(r => r.Record)], null);
        }

        var last = records[request.Limit - 1];
        return new IdempotencyRecordPage([.. records.Take(request.Limit).Select(r => r.Record)], EncodeCursor(last.Created, last.Member));
    }

    public async ValueTask<ResolveStatus> ResolveAsync(IdempotencyResolveRequest request, CancellationToken cancellationToken)
    {
        if (request.Executed && request.ResultJson is null)
        {
            throw new ArgumentException("An executed resolution needs the result later retries are answered with.", nameof(request));
        }

        var key = keys.Idempotency(request.Scope);
        var status = (string)(await OnRecordAsync(RedisScripts.Resolve, key,
        [
            request.Executed ? 1 : 0, request.ResultJson ?? "", request.ResolvedBy, request.Note ?? "",
            request.Now.ToUnixTimeMilliseconds(), (request.Now - request.Retention).ToUnixTimeMilliseconds(), request.CorrelationId,
        ], RedisResult.Create((RedisValue)"unreadable")).ConfigureAwait(false))!;

        // A key settled "not executed" keeps its creation entry (see RedisKeys.CreatedIndex).
        return status switch
        {
            "resolved" => ResolveStatus.Resolved,
            "not_unknown" => ResolveStatus.NotOutcomeUnknown,
            "other_call" => ResolveStatus.OtherCall,
            "unreadable" => ResolveStatus.Unreadable,
            _ => ResolveStatus.NotFound,
        };
    }

    private static bool Matches(IdempotencyRecord record, IdempotencyListRequest request) =>
        (request.State is null || record.State == request.State)
        // A record that lost its environment may be this one's: listed rather than hidden (a filter on another lost part never matches).
        && (request.Environment is null || record.Scope.Environment == request.Environment || record.Unreadable?.Names("environment") == true)
        && (request.Connector is null || record.Scope.Connector == request.Connector)
        && request.MatchesPrincipal(record.Scope.Principal)
        && (request.Tool is null || record.Scope.Tool == request.Tool)
        && (request.Key is null || record.Scope.Key == request.Key);

    /// <summary>
    /// The record in a hash's fields as judged at <paramref name="now"/> (null fields: a key of another type); null when
    /// absent or created at or before the cut-off. A record damaged by hand or by another program is still one: what
    /// cannot be read is named in <see cref="IdempotencyRecord.Unreadable"/>, and its state is judged as the claim judges
    /// it (outcome-unknown without its fingerprint, creation time or state, a held one without a review it can read, a
    /// completed one without its result). <paramref name="scope"/> is the scope the key was asked by, when known.
    /// </summary>
    private static IdempotencyRecord? Read(RedisKey key, HashEntry[]? fields, IdempotencyScope? scope, DateTimeOffset now, long cutoff)
    {
        if (fields is { Length: 0 })
        {
            return null;
        }

        var f = fields?.ToDictionary(e => (string)e.Name!, e => (string?)e.Value, StringComparer.Ordinal) ?? new Dictionary<string, string?>(StringComparer.Ordinal);
        var unread = new List<string>();
        var created = Time(f, "created", "created_at", unread);
        if (created <= cutoff)
        {
            return null;
        }

        scope ??= new IdempotencyScope(Text(f, "environment", "environment", unread), Text(f, "connector", "connector", unread),
            Text(f, "principal", "principal", unread), Text(f, "tool", "tool", unread), Text(f, "key", "key", unread));
        var fingerprint = Text(f, "fp", "arguments_sha256", unread);
        var correlationId = Text(f, "corr", "correlation_id", unread);
        var updated = Time(f, "updated", "updated_at", unread);
        var lease = Time(f, "lease", "lease_expires_at", unread);
        var stateText = f.GetValueOrDefault("state");
        if (stateText is not ("0" or "1" or "2" or "3"))
        {
            unread.Add("state");
        }

        if (stateText == "1" && !f.ContainsKey("result"))
        {
            unread.Add("result");
        }

        var reviewId = f.GetValueOrDefault("rv_id") is { Length: > 0 } id ? id : null;
        if (stateText == "3" && reviewId is null)
        {
            unread.Add("review_id");
        }
        else if (stateText == "3" && ReadReview(fields!) is null)
        {
            // Read as the claim reads it (its mode, arguments, scope, approvals…): a claim answers such a hold outcome-unknown.
            unread.Add("review");
        }

        var state = unread.Contains("arguments_sha256") || created is null ? IdempotencyState.OutcomeUnknown : stateText switch
        {
            "1" when f.ContainsKey("result") => IdempotencyState.Completed,
            "3" when reviewId is not null && !unread.Contains("review") => IdempotencyState.AwaitingReview,
            "0" when lease > now.ToUnixTimeMilliseconds() => IdempotencyState.InProgress,
            _ => IdempotencyState.OutcomeUnknown,
        };
        IdempotencyResolution? resolution = null;
        if (f.GetValueOrDefault("r_exec") is { } executed)
        {
            resolution = Time(f, "r_at", "resolution", unread) is { } resolvedAt
                ? new IdempotencyResolution(executed == "1", f.GetValueOrDefault("r_by") ?? "",
                    DateTimeOffset.FromUnixTimeMilliseconds(resolvedAt), f.GetValueOrDefault("r_note") is { Length: > 0 } note ? note : null)
                : null;
        }

        return new IdempotencyRecord(scope, fingerprint, state, correlationId,
            IdempotencyUnreadable.TimeOrPlaceholder(created), IdempotencyUnreadable.TimeOrPlaceholder(updated), IdempotencyUnreadable.TimeOrPlaceholder(lease))
        {
            Resolution = resolution,
            ReviewId = reviewId,
            Unreadable = unread.Count == 0 ? null : new IdempotencyUnreadable(unread, key.ToString()),
        };
    }

    /// <summary>The hash of a record key; null when the key holds another type (damaged by hand or by another program).</summary>
    private static async Task<HashEntry[]?> ReadHashAsync(IDatabase db, RedisKey key)
    {
        try
        {
            return await db.HashGetAllAsync(key).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.IsWrongType())
        {
            return null;
        }
    }

    private static string Text(Dictionary<string, string?> fields, string name, string field, List<string> unread)
    {
        if (fields.GetValueOrDefault(name) is { } value)
        {
            return value;
        }

        unread.Add(field);
        return "";
    }

    /// <summary>A time in milliseconds; null, and named unread, when missing or not one (see <see cref="TryReadTime"/>).</summary>
    private static long? Time(Dictionary<string, string?> fields, string name, string field, List<string> unread)
    {
        if (TryReadTime(fields.GetValueOrDefault(name), out var ms))
        {
            return ms;
        }

        unread.Add(field);
        return null;
    }

    /// <summary>
    /// A stored time in milliseconds, as the store writes one: plain decimal digits (no sign, space, point or exponent),
    /// within the dates a <see cref="DateTimeOffset"/> holds. The scripts read times alike (<c>RedisScripts.StoredTime</c>),
    /// so a claim and the admin list agree on which record cannot be read.
    /// </summary>
    private static bool TryReadTime(string? value, out long milliseconds) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out milliseconds) && IdempotencyUnreadable.IsDate(milliseconds);

    /// <summary>A review's time (0 when missing); one that is there but cannot be read makes the review unreadable.</summary>
    private static long Long(Dictionary<string, string?> fields, string name) =>
        fields.GetValueOrDefault(name) is not { } value ? 0 : TryReadTime(value, out var ms) ? ms : throw new FormatException($"The review's {name} is not a time.");

    private static string EncodeCursor(long created, string member) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(created.ToString(CultureInfo.InvariantCulture) + ":" + member));

    private static (double Score, string Member) DecodeCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var created))
            {
                return (created, text[(colon + 1)..]);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException("The cursor is not one this store gave out.", nameof(cursor));
    }
}
