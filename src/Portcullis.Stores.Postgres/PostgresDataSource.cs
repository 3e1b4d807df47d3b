using System.Data.Common;
using Npgsql;

namespace Portcullis.Stores.Postgres;

/// <summary>
/// The one place a data source is made from the operator's connection string. Four defaults are added where the
/// string does not set them: <c>Timeout=5</c> and <c>Command Timeout=5</c> (a call waits at most about that long for
/// a connection and for each statement before it is answered <c>state_unavailable</c>, as with Redis, instead of
/// Npgsql's 15 and 30 s; maintenance statements and searches set <see cref="MaintenanceTimeoutSeconds"/> and <see cref="SearchTimeoutSeconds"/> themselves), <c>Max Auto Prepare</c> (the store sends a few dozen fixed statements, so each is
/// parsed and planned once per connection instead of on every call) and <c>No Reset On Close</c> (nothing here
/// leaves session state behind: every setting and lock the store takes is local to its transaction, so a pooled
/// connection need not be reset with <c>DISCARD ALL</c> on its next use). A value the string sets is kept as given,
/// <c>Max Auto Prepare=0</c> included (for a transaction-pooling PgBouncer older than 1.21).
/// </summary>
internal static class PostgresDataSource
{
    /// <summary>More than the store's distinct statements, so none is evicted from a connection's prepared set.</summary>
    internal const int AutoPrepared = 64;

    /// <summary>How long a call waits for a connection, and for each statement, unless the connection string says.</summary>
    internal const int RequestTimeoutSeconds = 5;

    /// <summary>Statements off the request path that may rightly take long: migrations (behind another replica's) and purges.</summary>
    internal const int MaintenanceTimeoutSeconds = 300;

    /// <summary>
    /// The admin plane's listings of idempotency records and audit searches (and <c>portcullis audit</c>'s): a page of a
    /// big table, filtered perhaps on columns no index leads with. The server cancels such a statement after this long
    /// (<c>statement_timeout</c>, set for its transaction alone); a frozen server is noticed sooner
    /// (<see cref="PostgresDeadline.SearchAsync{T}"/>).
    /// </summary>
    internal const int SearchTimeoutSeconds = 60;

    /// <summary>
    /// The audit writer's batch (at most a few hundred rows): longer than a call's statement, but short, since the trail
    /// stops accepting (with <c>audit.required</c>, calls are refused) only once a write fails.
    /// </summary>
    internal const int AuditBatchTimeoutSeconds = 30;

    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var keys = given.Keys.Cast<string>().Select(Normalize).ToHashSet(StringComparer.Ordinal);
        if (!keys.Contains("maxautoprepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = AutoPrepared;
        }

        if (!keys.Contains("noresetonclose"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        if (!keys.Contains("timeout"))
        {
            builder.ConnectionStringBuilder.Timeout = RequestTimeoutSeconds;
        }

        if (!keys.Contains("commandtimeout"))
        {
            builder.ConnectionStringBuilder.CommandTimeout = RequestTimeoutSeconds;
        }

        return builder.Build();
    }

    private static string Normalize(string key) => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
}
