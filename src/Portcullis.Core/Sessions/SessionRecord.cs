namespace Portcullis.Core.Sessions;

/// <summary>One session's handshake and what it is bound to.</summary>
/// <param name="SessionId">The <c>Mcp-Session-Id</c>.</param>
/// <param name="Connector">The connector the session was opened on; it serves no other.</param>
/// <param name="Principal">The caller's key (subject and client id); only that caller may continue it.</param>
/// <param name="InitializeParamsJson">The client's <c>initialize</c> params, as JSON.</param>
/// <param name="ExpiresAt">When the handshake is forgotten unless it is refreshed.</param>
/// <param name="Ended">The client ended the session (HTTP DELETE): it continues nowhere, and every replica that holds it ends it.</param>
/// <param name="LogLevel">
/// The level the client last asked for with <c>logging/setLevel</c> (its wire name, such as <c>warning</c>), or null before
/// it asked: every replica relaying the session's log messages filters them by it. Set by
/// <see cref="ISessionStore.SetLogLevelAsync"/>; a save keeps the stored one.
/// </param>
public sealed record SessionRecord(string SessionId, string Connector, string Principal, string InitializeParamsJson, DateTimeOffset ExpiresAt, bool Ended = false, string? LogLevel = null)
{
    /// <summary>How long a handshake is kept after it was made, moved to another replica, or renewed.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>
    /// How long an ended session is kept, without its handshake, at most: long enough for every replica holding it to
    /// learn of the end (they look every 5 s) and for no save that read it before the end to bring it back; short, so that
    /// a caller opening and ending sessions in a loop cannot fill the store.
    /// </summary>
    public static readonly TimeSpan EndedKeep = TimeSpan.FromHours(1);

    /// <summary>The record kept for another <see cref="Lifetime"/> from <paramref name="now"/>, when less than half of it is left and it was not ended; else null.</summary>
    public SessionRecord? RenewedAt(DateTimeOffset now) => !Ended && ExpiresAt - now < Lifetime / 2 ? this with { ExpiresAt = now + Lifetime } : null;
}
