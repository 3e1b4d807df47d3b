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
        var fields = await Db.HashGetAllAsync(keys.Idempotency(scope)).ConfigureAwait(false);
        return Read(fields, now, (now - retention).ToUnixTimeMilliseconds());
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
            var reads = candidates.Select(e => db.HashGetAllAsync((string)e.Element!)).ToList();
            await Task.WhenAll(reads).ConfigureAwait(false);
            for (var i = 0; i < candidates.Count && records.Count <= request.Limit; i++)
            {
                var created = (long)candidates[i].Score;
                if (Read(reads[i].Result, request.Now, cutoff) is { } record && Matches(record, request)
                    && record.CreatedAt.ToUnixTimeMilliseconds() == created)
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
        var status = (string)(await Db.ScriptEvaluateAsync(RedisScripts.Resolve, [key],
        [
            request.Executed ? 1 : 0, request.ResultJson ?? "", request.ResolvedBy, request.Note ?? "",
            request.Now.ToUnixTimeMilliseconds(), (request.Now - request.Retention).ToUnixTimeMilliseconds(), request.CorrelationId,
        ]).ConfigureAwait(false))!;

        // A key settled "not executed" keeps its creation entry (see RedisKeys.CreatedIndex).
        return status switch
        {
            "resolved" => ResolveStatus.Resolved,
            "not_unknown" => ResolveStatus.NotOutcomeUnknown,
            "other_call" => ResolveStatus.OtherCall,
            _ => ResolveStatus.NotFound,
        };
    }

    private static bool Matches(IdempotencyRecord record, IdempotencyListRequest request) =>
        (request.State is null || record.State == request.State)
        && (request.Environment is null || record.Scope.Environment == request.Environment)
        && (request.Connector is null || record.Scope.Connector == request.Connector)
        && request.MatchesPrincipal(record.Scope.Principal)
        && (request.Tool is null || record.Scope.Tool == request.Tool)
        && (request.Key is null || record.Scope.Key == request.Key);

    /// <summary>The record in a hash's fields as judged at <paramref name="now"/>; null when absent or created at or before the cut-off.</summary>
    private static IdempotencyRecord? Read(HashEntry[] fields, DateTimeOffset now, long cutoff)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        var f = fields.ToDictionary(e => (string)e.Name!, e => (string?)e.Value, StringComparer.Ordinal);
        var created = Long(f, "created");
        if (created <= cutoff || !f.ContainsKey("environment"))
        {
            return null;
        }

        var lease = DateTimeOffset.FromUnixTimeMilliseconds(Long(f, "lease"));
        var state = f.GetValueOrDefault("state") switch
        {
            "1" => IdempotencyState.Completed,
            "3" => IdempotencyState.AwaitingReview,
            "0" when lease > now => IdempotencyState.InProgress,
            _ => IdempotencyState.OutcomeUnknown,
        };
        var scope = new IdempotencyScope(f["environment"]!, f["connector"]!, f["principal"]!, f["tool"]!, f["key"]!);
        return new IdempotencyRecord(scope, f["fp"]!, state, f.GetValueOrDefault("corr") ?? "",
            DateTimeOffset.FromUnixTimeMilliseconds(created), DateTimeOffset.FromUnixTimeMilliseconds(Long(f, "updated")), lease)
        {
            Resolution = f.GetValueOrDefault("r_exec") is null
                ? null
                : new IdempotencyResolution(f["r_exec"] == "1", f.GetValueOrDefault("r_by") ?? "",
                    DateTimeOffset.FromUnixTimeMilliseconds(Long(f, "r_at")), f.GetValueOrDefault("r_note") is { Length: > 0 } note ? note : null),
            ReviewId = f.GetValueOrDefault("rv_id") is { Length: > 0 } reviewId ? reviewId : null,
        };
    }

    private static long Long(Dictionary<string, string?> fields, string name) =>
        fields.GetValueOrDefault(name) is { } value ? long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture) : 0;

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
