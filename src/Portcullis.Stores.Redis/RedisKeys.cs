using System.Security.Cryptography;
using System.Text;
using Portcullis.Core.Idempotency;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// Every key the gateway writes, under one prefix. A key's hash tag (the part in braces) is what Redis Cluster
/// places by: each idempotency scope is one record under its own tag, so a claim touches one slot and its script
/// is atomic on a cluster too. Indexes live under their own tags and are only ever updated beside (just before), never
/// inside, a claim; every reader checks the record an index entry names.
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix => prefix;

    /// <summary>The record of one idempotency scope: the hash of the scope tuple, so no separator can make two scopes meet.</summary>
    public RedisKey Idempotency(IdempotencyScope scope) =>
        $"{prefix}:idem:{{{Hash(scope.Environment, scope.Connector, scope.Principal, scope.Tool, scope.Key)}}}";

    /// <summary>
    /// Every record key by creation time (milliseconds), for the purge and the admin list. An entry is only ever taken
    /// out by the purge, once its record is gone or past its retention: a release or a "not executed" settlement leaves
    /// it, since another replica may claim the key again between the record's deletion and any removal sent after it
    /// (which would take the live claim's entry with it). Readers skip an entry whose record is gone.
    /// </summary>
    public RedisKey CreatedIndex => $"{prefix}:{{idem-created}}";

    /// <summary>The record keys a replica has claimed, for the recovery of its next incarnation.</summary>
    public RedisKey OwnerIndex(string replicaId) => $"{prefix}:{{owner-{Hash(replicaId)}}}";

    /// <summary>Where a review id leads: the name of the record key it is bound to.</summary>
    public RedisKey Review(string reviewId) => $"{prefix}:review:{{{Hash(reviewId)}}}";

    /// <summary>Every review id by creation time (milliseconds), for the reviewers' list and the purge.</summary>
    public RedisKey ReviewIndex => $"{prefix}:{{reviews}}";

    /// <summary>
    /// The record keys of one principal's pending reviews in one environment, scored by their deadlines (milliseconds):
    /// the places under <c>review.max_pending_per_principal</c>, each taken just before the claim that holds its review
    /// (by the record's key, so that racing first calls of one key take one place).
    /// </summary>
    public RedisKey PendingReviews(string environment, string principal) => $"{prefix}:pending-reviews:{{{Hash(environment, principal)}}}";

    /// <summary>Which process holds a replica id.</summary>
    public RedisKey Replica(string replicaId) => $"{prefix}:replica:{{{Hash(replicaId)}}}";

    public RedisKey Session(string sessionId) => $"{prefix}:session:{{{Hash(sessionId)}}}";

    /// <summary>The resources a session's client subscribed to: a set under the session's own tag, so one script reads both.</summary>
    public RedisKey SessionSubscriptions(string sessionId) => $"{prefix}:session-subscriptions:{{{Hash(sessionId)}}}";

    public RedisKey Route(string requestState) => $"{prefix}:route:{{{Hash(requestState)}}}";

    /// <summary>The counter of one budget and principal.</summary>
    public RedisKey RateLimit(string name, string principal) => $"{prefix}:rl:{{{Hash(name, principal)}}}";

    /// <summary>Hex SHA-256 of the parts, each prefixed with its length.</summary>
    private static string Hash(params string[] parts)
    {
        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            builder.Append(part.Length).Append(':').Append(part);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }
}
