using System.Data.Common;
using Npgsql;

namespace Portcullis.Stores.Postgres;

/// <summary>
/// The one place a data source is made from the operator's connection string. Two defaults are added where the
/// string does not set them: <c>Max Auto Prepare</c> (the store sends a few dozen fixed statements, so each is
/// parsed and planned once per connection instead of on every call) and <c>No Reset On Close</c> (nothing here
/// leaves session state behind: every setting and lock the store takes is local to its transaction, so a pooled
/// connection need not be reset with <c>DISCARD ALL</c> on its next use). A value the string sets is kept as given,
/// <c>Max Auto Prepare=0</c> included (for a transaction-pooling PgBouncer older than 1.21).
/// </summary>
internal static class PostgresDataSource
{
    /// <summary>More than the store's distinct statements, so none is evicted from a connection's prepared set.</summary>
    internal const int AutoPrepared = 64;

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

        return builder.Build();
    }

    private static string Normalize(string key) => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
}
